import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { cleanStaging, isStagingName, makeStagingDir, replaceDir, stagingPath, writeJsonAtomic } from '../src/fs-atomic.js'

t.test('one staging-name scheme: hidden, beside its target, found by name alone', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'zkp-staging-'))
  t.teardown(async () => await rm(dir, { recursive: true, force: true }))
  const name = path.basename(stagingPath(path.join(dir, 'circuit')))
  t.match(name, /^\.circuit\.\d+-[0-9a-f]{12}\.tmp$/)
  t.ok(isStagingName(name))
  t.not(stagingPath(path.join(dir, 'circuit')), stagingPath(path.join(dir, 'circuit')), 'two stagings of one target never collide')
  const staged = await makeStagingDir(dir)
  t.ok(isStagingName(path.basename(staged)), 'a registry version staged by makeStagingDir')
  await writeJsonAtomic(path.join(dir, 'meta.json'), { ok: true })
  t.same((await readdir(dir)).filter((n) => !isStagingName(n)), ['meta.json'], 'an atomic write leaves only its target')
  for (const kept of ['meta.json', 'circuit', '3', 'model.onnx', 'circuit.json']) t.notOk(isStagingName(kept), `${kept} is not staging`)
})

t.test('cleanStaging removes the leftovers of a crash, new and old names, and nothing else', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'zkp-staging-'))
  t.teardown(async () => await rm(dir, { recursive: true, force: true }))
  const keep = ['circuit', 'circuit.json', 'meta.json', 'model.onnx']
  await mkdir(path.join(dir, 'circuit'))
  for (const f of keep.slice(1)) await writeFile(path.join(dir, f), '{}')
  // Leftovers: a build (directory with content), an old copy of the previous build in the names
  // earlier versions used (`.old-` was never cleaned), a half-written file, a staged registry version.
  const circuitLeftovers = [path.basename(stagingPath(path.join(dir, 'circuit'))), 'circuit.tmp-123-0a1b2c3d', 'circuit.old-123-0a1b2c3d']
  const otherLeftovers = [path.basename(stagingPath(path.join(dir, 'meta.json'))), '.staging-0a1b2c3d4e5f', '.meta.json.0a1b2c3d4e5f.tmp']
  for (const d of circuitLeftovers) {
    await mkdir(path.join(dir, d))
    await writeFile(path.join(dir, d, 'circuit.zkey'), 'x')
  }
  for (const f of otherLeftovers) await writeFile(path.join(dir, f), 'x')

  t.same((await cleanStaging(dir, 'circuit')).sort(), [...circuitLeftovers].sort(), 'only the circuit\'s leftovers')
  t.same((await readdir(dir)).sort(), [...keep, ...otherLeftovers].sort())
  t.same((await cleanStaging(dir)).sort(), [...otherLeftovers].sort(), 'then every other leftover')
  t.same((await readdir(dir)).sort(), [...keep].sort())
  t.same(await cleanStaging(path.join(dir, 'missing')), [], 'a directory that does not exist has nothing to clean')
})

t.test('replaceDir moves a staged tree into place, over an old one or none, and leaves no staging name', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'zkp-replace-'))
  t.teardown(async () => await rm(dir, { recursive: true, force: true }))
  const target = path.join(dir, 'circuit')
  for (const [round, previous] of [['first', null], ['second', 'first']] as const) {
    const staged = stagingPath(target)
    await mkdir(staged)
    await writeFile(path.join(staged, 'circuit.zkey'), round)
    await replaceDir(staged, target)
    t.same(await readdir(dir), ['circuit'], `${round} build: only the target (${previous ?? 'no'} old tree before it)`)
    t.same(await readdir(target), ['circuit.zkey'])
    t.equal(await readFile(path.join(target, 'circuit.zkey'), 'utf8'), round, 'the staged tree, not the old one')
  }
})
