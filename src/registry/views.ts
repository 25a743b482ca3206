import type { Static } from 'typebox'
import type { ModelVersion } from '../schemas/index.js'
import { StorageDamagedError } from '../errors.js'
import type { Registry, VersionRecord } from './registry.js'

/**
 * The API's view of a version (ModelVersion schema): the stored facts plus status, aliases and circuit state.
 * A damaged or deleted version is shown with its status (and the damaged file); one whose meta.json is the
 * damaged file has no facts to show: 500 storage_damaged.
 */
export function versionView (registry: Registry, record: VersionRecord): Static<typeof ModelVersion> {
  const meta = record.meta
  if (meta == null) {
    throw new StorageDamagedError(`model '${record.name}' version ${record.version}`,
      record.damage ?? { file: `models/${record.name}/${record.version}/meta.json`, reason: 'unreadable' })
  }
  const circuit = registry.circuit(meta)
  const { history: _history, ...facts } = meta
  return {
    ...facts,
    status: record.status,
    ...(record.damage != null ? { damage: record.damage } : {}),
    ...(record.deleted != null && record.deleted !== '' ? { deleted_at: record.deleted } : {}),
    aliases: record.status === 'deleted' ? [] : registry.aliasesFor(meta),
    provable: record.status === 'ready' && circuit.status === 'ready',
    ...(circuit.status === 'unsupported' || circuit.status === 'failed' ? { not_provable_reason: circuit.error } : {}),
    circuit,
  }
}
