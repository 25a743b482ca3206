import t from 'tap'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { startServer, waitFor } from '../helpers/app.js'
import { buildMlpOnnx } from '../helpers/onnx-fixture.js'

/** The compiled CLI, run as a user runs it: a child process speaking HTTP to a listening server. */
const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli.js')
const FEATURES = Array.from({ length: 10 }, (_, i) => `f${i}`)

interface Run { code: number, stdout: string, stderr: string }

async function cli (args: string[], url?: string, extraEnv: Record<string, string> = {}): Promise<Run> {
  return await new Promise((resolve) => {
    const env = { ...process.env, ZKPREDICT_URL: url ?? 'http://127.0.0.1:9', ...extraEnv }
    execFile(process.execPath, [CLI, ...args], { env, timeout: 300_000 }, (err, stdout, stderr) => {
      const code = err == null ? 0 : typeof err.code === 'number' ? err.code : 1
      resolve({ code, stdout, stderr })
    })
  })
}

t.test('the CLI against a real server, then offline', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'zkpredict-cli-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const server = await startServer()
  let running = true
  t.teardown(async () => { if (running) await server.close() })

  t.test('--help for every command, and errors that say what to do', async (t) => {
    for (const command of ['train', 'predict', 'proof', 'models']) {
      const help = await cli([command, '--help'])
      t.equal(help.code, 0, `${command} --help`)
      t.match(help.stdout, new RegExp(`^zkpredict ${command}`), `${command} --help shows its usage`)
    }
    t.match((await cli(['--help'])).stdout, /Commands:/)
    const noModel = await cli(['predict', '--file', 'rows.csv'], server.url)
    t.equal(noModel.code, 2)
    t.match(noModel.stderr, /missing --model/)
    const unknown = await cli(['predict', '--modle', 'x'])
    t.equal(unknown.code, 2)
    t.match(unknown.stderr, /Unknown option '--modle'/)
    const noServer = await cli(['models', 'list'])
    t.equal(noServer.code, 2)
    t.match(noServer.stderr, /cannot reach the service at http:\/\/127\.0\.0\.1:9 .*start it with `npm start` or pass --url/)
    const unknownModel = await cli(['models', 'show', 'nope'], server.url)
    t.equal(unknownModel.code, 2)
    t.match(unknownModel.stderr, /404 model 'nope' does not exist/)
  })

  t.test('train shows the job\'s progress and its metrics', async (t) => {
    const run = await cli(['train', '--model', 'cli-trained', '--recipe', 'tutorial', '--epochs', '2', '--synthetic-seed', '5', '--synthetic-days', '200'], server.url)
    t.equal(run.code, 0, run.stderr)
    t.match(run.stdout, /job [0-9a-f-]{36} queued/)
    // Not a terminal here, so the bar is printed as a line each time it changes; the last is the finished job.
    t.match(run.stdout, /\[#{30}\] fold 5\/5 epoch 2\/2 loss \d+\.\d{4}/)
    t.match(run.stdout, /model cli-trained version 1: train \d+ rows/)
    t.match(run.stdout, /accuracy \d\.\d{3} {2}precision/)
  })

  t.test('upload, predict from CSV with proofs, download a bundle, stop the server, verify offline', async (t) => {
    const onnx = path.join(dir, 'mlp.onnx')
    await writeFile(onnx, buildMlpOnnx({ seed: 7 }).bytes)
    const uploaded = await cli(['models', 'upload', onnx, '--name', 'cli-zk', '--features', FEATURES.join(',')], server.url)
    t.equal(uploaded.code, 0, uploaded.stderr)
    t.match(uploaded.stdout, /registered cli-zk version 1/)
    await waitFor(async () => {
      const res = await server.call('GET', '/models/cli-zk')
      return ['ready', 'failed', 'unsupported'].includes(res.body.circuit?.status) ? res.body : undefined
    }, 240_000, 250)
    const listed = await cli(['models', 'list'], server.url)
    t.match(listed.stdout, /cli-zk\tversions 1/)

    // Columns in another order than the model's inputs: the CLI sends rows by feature name.
    const header = [...FEATURES].reverse()
    const csv = [header.join(','), header.map((_, i) => (0.05 * (i + 1)).toFixed(2)).join(','), header.map((_, i) => (0.9 - 0.08 * i).toFixed(2)).join(',')].join('\n') + '\n'
    await writeFile(path.join(dir, 'rows.csv'), csv)
    const predicted = await cli(['predict', '--model', 'cli-zk', '--file', path.join(dir, 'rows.csv'), '--wait'], server.url)
    t.equal(predicted.code, 0, predicted.stderr)
    const lines = predicted.stdout.trim().split('\n')
    t.match(lines[0], /model cli-zk version 1/)
    const rows = lines.slice(1).map((line) => /^(\d+)\tprobability (\d\.\d{6})\tlabel ([01])\tproof ([0-9a-f-]{36}) succeeded in \d+ ms$/.exec(line))
    t.equal(rows.length, 2)
    t.ok(rows.every((m) => m != null), predicted.stdout)
    const proofId = rows[0]?.[4] ?? ''

    // What the CLI printed is what the service serves for the same rows.
    const served = await server.call('POST', '/predict', { model: 'cli-zk', instances: [Object.fromEntries(header.map((f, i) => [f, Number((0.05 * (i + 1)).toFixed(2))]))], proof: false })
    t.equal(rows[0]?.[2], served.body.predictions[0].probability.toFixed(6))

    const bundleFile = path.join(dir, 'bundle.json')
    const downloaded = await cli(['proof', 'download', proofId, '-o', bundleFile], server.url)
    t.equal(downloaded.code, 0, downloaded.stderr)
    const got = await cli(['proof', 'get', proofId], server.url)
    t.equal(JSON.parse(got.stdout).status, 'succeeded')

    await server.close()
    running = false
    const offline = await cli(['proof', 'verify', bundleFile])
    t.equal(offline.code, 0, offline.stderr)
    t.match(offline.stdout, /verified: true \(groth16, [\d.]+ ms, offline\) model cli-zk version 1/)
    t.match((await cli(['models', 'list'])).stderr, /cannot reach the service/, 'the server is really stopped')

    const bundle = JSON.parse(await readFile(bundleFile, 'utf8'))
    const signals = [...bundle.public_signals]
    signals[3] = (BigInt(signals[3]) + 1n).toString()
    await writeFile(path.join(dir, 'tampered.json'), JSON.stringify({ ...bundle, public_signals: signals }))
    const tampered = await cli(['proof', 'verify', path.join(dir, 'tampered.json')])
    t.equal(tampered.code, 1, 'a tampered bundle fails')
    t.match(tampered.stdout, /verified: false/)

    await writeFile(path.join(dir, 'not-a-bundle.json'), '{"hello": 1}')
    const wrong = await cli(['proof', 'verify', path.join(dir, 'not-a-bundle.json')])
    t.equal(wrong.code, 2)
    t.match(wrong.stderr, /is not a proof bundle: it needs proof_system, proof, public_signals and verification_key/)
  })

  t.test('a CSV cell that is not a number is named by row and column', async (t) => {
    await writeFile(path.join(dir, 'bad.csv'), `${FEATURES.join(',')}\n${FEATURES.map(() => '1').join(',')}\n1,2,x,4,5,6,7,8,9,10\n`)
    const run = await cli(['predict', '--model', 'cli-zk', '--file', path.join(dir, 'bad.csv')])
    t.equal(run.code, 2)
    t.match(run.stderr, /bad\.csv, row 2, column f2: 'x' is not a number/)
  })
})

t.test('with API_KEYS set, the CLI sends $ZKPREDICT_API_KEY and says what to do without it', async (t) => {
  const server = await startServer({ API_KEYS: 'cli-key-0123456789abcdef' })
  t.teardown(async () => { await server.close() })
  const args = ['train', '--model', 'keyed', '--recipe', 'tutorial', '--epochs', '1', '--synthetic-days', '120', '--no-wait']
  const without = await cli(args, server.url)
  t.equal(without.code, 2)
  t.match(without.stderr, /POST \/train: 401 .*set ZKPREDICT_API_KEY/)
  const wrong = await cli(args, server.url, { ZKPREDICT_API_KEY: 'not-the-key' })
  t.equal(wrong.code, 2)
  t.match(wrong.stderr, /POST \/train: 403 .*set ZKPREDICT_API_KEY/)
  const keyed = await cli(args, server.url, { ZKPREDICT_API_KEY: 'cli-key-0123456789abcdef' })
  t.equal(keyed.code, 0, keyed.stderr)
  t.match(keyed.stdout, /job [0-9a-f-]{36} queued/)
})
