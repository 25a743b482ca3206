import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { load } from './lib.js'
import { profileText, summarizeProfile } from './cpu-profile.js'
import { predictBody, startBare, startService, trainBenchModel } from './service.js'

/**
 * Profiles the serving process (`node --cpu-prof`) under /predict load and prints a text summary:
 *   node dist/bench/profile-predict.js [--seconds 5] [--connections 32] [--rows 1] [--bare] [--log-level silent]
 * --bare profiles the bare Fastify route instead (the floor). With KEEP_PROFILE set, the .cpuprofile files are kept
 * (their folder is printed on stderr) for a closer look, e.g. in Chrome's DevTools.
 */
export async function profilePredict (options: { seconds: number, connections: number, rows: number, bare: boolean, logLevel: string }): Promise<string> {
  const profDir = await mkdtemp(path.join(tmpdir(), 'zkpredict-prof-'))
  const dataDir = await mkdtemp(path.join(tmpdir(), 'zkpredict-bench-'))
  const execArgv = ['--cpu-prof', `--cpu-prof-dir=${profDir}`]
  try {
    let url: string
    let stop: () => Promise<void>
    if (options.bare) {
      ({ url, stop } = await startBare(execArgv))
    } else {
      // Train (and build the circuit) in an unprofiled process, then profile a fresh one serving it.
      const trainer = await startService(dataDir)
      await trainBenchModel(trainer.url)
      await trainer.stop()
      const service = await startService(dataDir, { LOG_LEVEL: options.logLevel }, execArgv)
      url = service.url
      stop = service.stop
    }
    const body = predictBody('bench', options.rows)
    await load(`${url}/predict`, body, options.connections, 1)
    const fromUs = Number(process.hrtime.bigint() / 1000n)
    const result = await load(`${url}/predict`, body, options.connections, options.seconds)
    const toUs = Number(process.hrtime.bigint() / 1000n)
    await stop()
    // One file per thread (CPU.<date>.<time>.<pid>.<thread id>.<n>.cpuprofile): the main thread is 0.
    const file = (await readdir(profDir)).find((f) => /\.0\.\d+\.cpuprofile$/.test(f))
    if (file == null) throw new Error('no profile written')
    const title = `${options.bare ? 'bare Fastify route' : `service (LOG_LEVEL=${options.logLevel})`}, /predict ${options.rows} row(s), ${options.connections} connections: ${Math.round(result.rps)} req/s, p99 ${result.p99} ms; main thread, during the measured run`
    return profileText(summarizeProfile(path.join(profDir, file), 25, { fromUs, toUs }), title)
  } finally {
    if (process.env.KEEP_PROFILE == null) await rm(profDir, { recursive: true, force: true })
    else console.error(`profiles kept in ${profDir}`)
    await rm(dataDir, { recursive: true, force: true })
  }
}

if (process.argv[1]?.endsWith('profile-predict.js') === true) {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '5' },
      connections: { type: 'string', default: '32' },
      rows: { type: 'string', default: '1' },
      bare: { type: 'boolean', default: false },
      'log-level': { type: 'string', default: 'silent' },
    },
  })
  console.log(await profilePredict({
    seconds: Number(values.seconds),
    connections: Number(values.connections),
    rows: Number(values.rows),
    bare: values.bare,
    logLevel: values['log-level'],
  }))
}
