import type { Static } from 'typebox'
import type { ModelVersion } from '../schemas/index.js'
import type { Registry, VersionMeta } from './registry.js'

/** The API's view of a version (ModelVersion schema): the stored facts plus aliases and circuit state. */
export function versionView (registry: Registry, meta: VersionMeta): Static<typeof ModelVersion> {
  const circuit = registry.circuit(meta)
  const { history: _history, ...facts } = meta
  return {
    ...facts,
    aliases: registry.aliasesFor(meta),
    provable: circuit.status === 'ready',
    ...(circuit.status === 'unsupported' || circuit.status === 'failed' ? { not_provable_reason: circuit.error } : {}),
    circuit,
  }
}
