#!/usr/bin/env node
import { readFile, writeFile, readdir } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { FormData, fetch, request } from 'undici'
import { parse as parseCsv } from 'csv-parse/sync'

/**
 * The command line: how a risk analyst tries the service first. HTTP through undici; `proof
 * verify` of a downloaded bundle needs no server at all.
 */
const HELP: Record<string, string> = {
  main: `zkpredict <command> [options]

Commands:
  train     start a training job and follow its progress
  predict   predict from a JSON or CSV file of rows (proofs are made in the background)
  proof     get | download | verify a proof (verify works offline on a downloaded bundle)
  models    list | show | upload models
  serve     run the service (same as npm start)
  worker    run a worker process (same as npm run worker; needs REDIS_URL)

Options for every command:
  --url URL   the service (default $ZKPREDICT_URL or http://127.0.0.1:3000)
  API key     sent as x-api-key from $ZKPREDICT_API_KEY, when the service sets API_KEYS
  --help      help for a command, e.g. zkpredict train --help`,
  train: `zkpredict train --model NAME [--recipe default|tutorial|nowcast|forecast] [--window 7|3] [--seed N] [--epochs N]
                [--data DIR | --synthetic-seed N --synthetic-days N] [--no-wait] [--private]

  --data DIR   upload the five Giza dataset files found in DIR (aave_liquidations_v2.csv, ...,
               tokens_daily_volume.csv; .csv, .parquet, .arrow or .json)
  Without --data the job trains on synthetic data (--synthetic-days: length of the generated history,
  90-3650). Shows a live progress bar (fold, epoch, loss) until the job ends; when the output is not a
  terminal, one line per change.`,
  predict: `zkpredict predict --model NAME [--version V] --file ROWS.json|ROWS.csv [--no-proof | --batch] [--wait]

  JSON: an array of rows (arrays in input order, or objects by feature name), or {"instances": [...]}.
  CSV: a header of feature names, one row per line.
  --batch  one proof for all rows (proof "batch", at most the service's MAX_BATCH_PROOF rows)
  --wait   wait for the proofs and print their status`,
  proof: `zkpredict proof get ID
zkpredict proof download ID [-o FILE]
zkpredict proof verify FILE        verify a downloaded bundle offline (no server), with snarkjs
  [--commitment C]                 a private version's bundle: also require public signal 0 = C, the commitment you pinned
zkpredict proof verify ID          ask the service to verify a stored proof
zkpredict proof calldata FILE      the arguments of the batch contract's verifyBatch for a batch bundle (JSON)`,
  models: `zkpredict models list
zkpredict models show NAME [VERSION]
zkpredict models upload FILE.onnx --name NAME [--features a,b,c,...] [--threshold 0.5] [--proof-system groth16|plonk] [--private]
  --private   a private version: weights hidden, a commitment published (README "Private models")`,
}

class CliError extends Error {}

const OPTIONS = {
  url: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  model: { type: 'string' },
  name: { type: 'string' },
  version: { type: 'string' },
  recipe: { type: 'string' },
  window: { type: 'string' },
  seed: { type: 'string' },
  epochs: { type: 'string' },
  data: { type: 'string' },
  'synthetic-seed': { type: 'string' },
  'no-wait': { type: 'boolean' },
  file: { type: 'string' },
  'no-proof': { type: 'boolean' },
  batch: { type: 'boolean' },
  wait: { type: 'boolean' },
  output: { type: 'string', short: 'o' },
  features: { type: 'string' },
  threshold: { type: 'string' },
  'proof-system': { type: 'string' },
  'synthetic-days': { type: 'string' },
  commitment: { type: 'string' },
  private: { type: 'boolean' },
} as const

function parseCommandLine (): ReturnType<typeof parseArgs<{ allowPositionals: true, options: typeof OPTIONS }>> {
  try {
    return parseArgs({ allowPositionals: true, options: OPTIONS })
  } catch (err) {
    // node:util's message ("Unknown option '--x'. To specify a positional argument ...") names the option.
    console.error(`zkpredict: ${(err as Error).message}\n\n${HELP.main}`)
    process.exit(2)
  }
}
const { values: opts, positionals } = parseCommandLine()
const base = (opts.url ?? process.env.ZKPREDICT_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '')
// From the environment only, so that a key never shows in a shell history or a process list.
const apiKey = process.env.ZKPREDICT_API_KEY

async function api (method: string, urlPath: string, body?: unknown): Promise<any> {
  const headers = {
    ...(body instanceof FormData || body === undefined ? {} : { 'content-type': 'application/json' }),
    ...(apiKey != null && apiKey !== '' ? { 'x-api-key': apiKey } : {}),
  }
  let statusCode: number
  let text: string
  try {
    if (body instanceof FormData) {
      // undici's request() cannot send undici's FormData on Node 24 ("action is not a function": Node's
      // bundled undici reads the body); undici's fetch() sends it on Node 20 and 24.
      const response = await fetch(base + urlPath, { method, headers, body })
      statusCode = response.status
      text = await response.text()
    } else {
      const response = await request(base + urlPath, {
        method: method as 'GET', headers, body: body === undefined ? undefined : JSON.stringify(body),
      })
      statusCode = response.statusCode
      text = await response.body.text()
    }
  } catch (err) {
    throw new CliError(`cannot reach the service at ${base} (${(err as Error).message}): start it with \`npm start\` or pass --url`)
  }
  let parsed: any = text
  try { parsed = JSON.parse(text) } catch {}
  if (statusCode === 401 || statusCode === 403) {
    throw new CliError(`${method} ${urlPath}: ${statusCode} ${parsed?.message ?? text} (set ZKPREDICT_API_KEY to one of the ` +
      'service\'s API_KEYS)')
  }
  if (statusCode >= 400) throw new CliError(`${method} ${urlPath}: ${statusCode} ${parsed?.message ?? text}`)
  return parsed
}

function need (value: string | undefined, flag: string, command: string): string {
  if (value == null || value === '') throw new CliError(`missing ${flag}\n\n${HELP[command]}`)
  return value
}

function integer (value: string | undefined, flag: string): number | undefined {
  if (value == null) return undefined
  const n = Number(value)
  if (!Number.isInteger(n)) throw new CliError(`${flag} must be a whole number, got '${value}'`)
  return n
}

function progressBar (job: any): string {
  const p = job.progress
  if (p == null) return `${job.status}...`
  const run = ((p.fold - 1) * p.epochs + p.epoch) / Math.max(1, p.folds * p.epochs)
  // a walk-forward backtest trains one model per origin before the final one: its bar covers all folds
  const wf = p.walk_forward
  const done = p.stage === 'walk-forward' && wf != null ? (wf.fold - 1 + run) / wf.folds : run
  const stage = p.stage === 'walk-forward' && wf != null
    ? `walk-forward ${wf.fold}/${wf.folds} `
    : p.stage === 'final' ? 'final model ' : ''
  const width = 30
  const filled = Math.round(Math.min(1, done) * width)
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${stage}fold ${p.fold}/${p.folds} epoch ${p.epoch}/${p.epochs} loss ` +
    `${p.loss == null ? '-' : Number(p.loss).toFixed(4)}`
}

const DATASET_FILES: Record<string, string> = {
  liquidations_v2: 'aave_liquidations_v2',
  liquidations_v3: 'aave_liquidations_v3',
  deposits_borrows_v2: 'aave_daily_deposits_borrows_v2',
  deposits_borrows_v3: 'aave_daily_deposits_borrows_v3',
  token_prices: 'tokens_daily_volume',
}

async function train (): Promise<void> {
  const spec = {
    model: need(opts.model, '--model', 'train'),
    recipe: opts.recipe ?? 'default',
    window: integer(opts.window, '--window') ?? 7,
    ...(opts.seed != null ? { seed: integer(opts.seed, '--seed') } : {}),
    ...(opts.epochs != null ? { epochs: integer(opts.epochs, '--epochs') } : {}),
    ...(opts.private === true ? { proof_visibility: 'private' } : {}),
  }
  let job
  if (opts.data != null) {
    const files = await readdir(opts.data).catch(() => { throw new CliError(`cannot read the folder ${opts.data}`) })
    const form = new FormData()
    form.append('spec', JSON.stringify(spec))
    for (const [part, stem] of Object.entries(DATASET_FILES)) {
      const file = files.find((f) => path.parse(f).name === stem)
      if (file == null) throw new CliError(`${opts.data} has no ${stem}.(csv|parquet|arrow|json) for ${part}`)
      form.append(part, new Blob([await readFile(path.join(opts.data, file))]), file)
    }
    job = await api('POST', '/train', form)
  } else {
    const synthetic = {
      ...(opts['synthetic-seed'] != null ? { seed: integer(opts['synthetic-seed'], '--synthetic-seed') } : {}),
      ...(opts['synthetic-days'] != null ? { days: integer(opts['synthetic-days'], '--synthetic-days') } : {}),
    }
    job = await api('POST', '/train', { ...spec, data: { synthetic } })
  }
  console.log(`job ${job.id} queued (${base}${job.href})`)
  if (opts['no-wait'] === true) return
  // A terminal gets one bar redrawn in place; a pipe or a log gets a line each time the bar changes.
  const interactive = process.stdout.isTTY
  let shown = ''
  for (;;) {
    job = await api('GET', job.href)
    const bar = progressBar(job)
    if (interactive) process.stdout.write(`\r${bar}\x1b[K`)
    else if (bar !== shown) console.log(bar)
    shown = bar
    if (job.status === 'succeeded' || job.status === 'failed') break
    await new Promise((resolve) => setTimeout(resolve, interactive ? 250 : 1000))
  }
  if (interactive) process.stdout.write('\n')
  if (job.status === 'failed') throw new CliError(`training failed: ${job.error}`)
  const m = job.metrics
  console.log(`model ${job.model.name} version ${job.model.version}: train ${job.dataset.train_rows} rows, test ` +
    `${job.dataset.test_rows} rows (${job.dataset.test_positives} positive)`)
  console.log(`accuracy ${m.accuracy.toFixed(3)}  precision ${m.precision.toFixed(3)}  recall ${m.recall.toFixed(3)}  F1 ` +
    `${m.f1.toFixed(3)}  ROC-AUC ${m.roc_auc.toFixed(3)}  cv ${m.cv_avg.toFixed(4)} ± ${m.cv_std.toFixed(4)}  (${job.backend})`)
}

async function readRows (file: string): Promise<unknown[]> {
  const text = await readFile(file, 'utf8').catch(() => { throw new CliError(`cannot read ${file}`) })
  if (file.toLowerCase().endsWith('.csv')) {
    const records = parseCsv(text, { columns: true, skip_empty_lines: true, trim: true }) as Array<Record<string, string>>
    return records.map((record, i) => Object.fromEntries(Object.entries(record).map(([k, v]) => {
      const n = Number(v)
      if (v === '' || !Number.isFinite(n)) throw new CliError(`${file}, row ${i + 1}, column ${k}: '${v}' is not a number`)
      return [k, n]
    })))
  }
  let value: any
  try { value = JSON.parse(text) } catch (err) { throw new CliError(`${file} is not JSON: ${(err as Error).message}`) }
  const rows = Array.isArray(value) ? value : value?.instances
  if (!Array.isArray(rows)) throw new CliError(`${file}: expected an array of rows or {"instances": [...]}`)
  return rows
}

async function predict (): Promise<void> {
  const model = need(opts.model, '--model', 'predict')
  const instances = await readRows(need(opts.file, '--file', 'predict'))
  const result = await api('POST', '/predict', {
    model,
    ...(opts.version != null ? { version: /^[0-9]+$/.test(opts.version) ? Number(opts.version) : opts.version } : {}),
    instances,
    ...(opts['no-proof'] === true ? { proof: false } : opts.batch === true ? { proof: 'batch' } : {}),
  })
  console.log(`model ${result.model} version ${result.version} (threshold ${result.threshold})`)
  for (const [i, p] of result.predictions.entries()) {
    const row = p.proof?.row != null ? ` row ${p.proof.row}` : ''
    let proof = p.proof == null
      ? ''
      : p.proof.href == null ? `proof ${p.proof.status}: ${p.proof.reason}` : `proof ${p.proof.id}${row} ${p.proof.status}`
    if (p.proof?.href != null && opts.wait === true) {
      let state
      do {
        await new Promise((resolve) => setTimeout(resolve, 300))
        state = await api('GET', p.proof.href)
      } while (state.status === 'queued' || state.status === 'proving')
      proof = `proof ${state.id}${row} ` +
        `${state.status}${state.prove_ms != null ? ` in ${Math.round(state.prove_ms)} ms` : ''}` +
        `${state.error != null ? `: ${state.error}` : ''}`
    }
    console.log(`${i}\tprobability ${Number(p.probability).toFixed(6)}\tlabel ${p.label}\t${proof}`)
  }
  if (result.proof_error != null) console.log(result.proof_error)
}

async function proof (): Promise<void> {
  const [sub, target] = positionals.slice(1)
  if (sub === 'get') {
    console.log(JSON.stringify(await api('GET', `/proofs/${encodeURIComponent(need(target, 'ID', 'proof'))}`), null, 2))
  } else if (sub === 'download') {
    const bundle = await api('GET', `/proofs/${encodeURIComponent(need(target, 'ID', 'proof'))}/download`)
    const out = opts.output ?? `proof-${target}.json`
    await writeFile(out, JSON.stringify(bundle, null, 2))
    console.log(`wrote ${out}: verify it offline with \`zkpredict proof verify ${out}\``)
  } else if (sub === 'verify') {
    const file = need(target, 'FILE or ID', 'proof')
    const text = await readFile(file, 'utf8').catch(() => undefined)
    if (text == null && (file.includes('/') || file.includes('.'))) {
      throw new CliError(`cannot read ${file}: give the file \`zkpredict proof download ID -o FILE\` wrote, or a proof id to have the ` +
        'service verify it')
    }
    if (text == null) {
      const result = await api('POST', `/proofs/${encodeURIComponent(file)}/verify`)
      console.log(`verified: ${String(result.verified)} (${result.verification_ms.toFixed(1)} ms, by the service)`)
      if (result.verified !== true) process.exitCode = 1
      return
    }
    let bundle: any
    try { bundle = JSON.parse(text) } catch { throw new CliError(`${file} is not a proof bundle (not JSON)`) }
    // snarkjs (and the batch verifier over it) loads only for the commands that verify: ~0.3 s of CPU at every start
    // of every other command (measured with process.cpuUsage on this 2-core machine)
    const { isBatchBundle, verifyBatchBundleText } = await import('./proofs/batch-cli.js')
    if (isBatchBundle(bundle)) {
      const res = await verifyBatchBundleText(bundle, opts.commitment)
      for (const line of res.lines) console.log(line)
      if (!res.ok) process.exitCode = 1
      await (globalThis as { curve_bn128?: { terminate: () => Promise<void> } }).curve_bn128?.terminate()
      return
    }
    const system = bundle?.proof_system
    const complete = bundle?.verification_key != null && bundle.proof != null && Array.isArray(bundle.public_signals)
    if ((system !== 'groth16' && system !== 'plonk') || !complete) {
      throw new CliError(`${file} is not a proof bundle: it needs proof_system, proof, public_signals and verification_key (from ` +
        '`zkpredict proof download`)')
    }
    // A private version's proof (issue 14) binds the model by public signal 0: it must be the version's published commitment.
    const pinned = opts.commitment ?? bundle.commitment
    if (pinned != null && String(bundle.public_signals[0]) !== String(pinned)) {
      const whose = opts.commitment != null ? ' you pinned' : ' in the bundle'
      console.log(`verified: false (public signal 0 is not the commitment${whose}, ${String(pinned)})`)
      process.exitCode = 1
      return
    }
    const started = performance.now()
    const snarkjs = await import('snarkjs')
    const verified = await snarkjs[system as 'groth16'].verify(bundle.verification_key, bundle.public_signals,
      bundle.proof).catch(() => false)
    const ms = performance.now() - started
    console.log(`verified: ${String(verified)} (${system}, ${ms.toFixed(1)} ms, offline) model ${bundle.model?.name} version ` +
      `${bundle.model?.version} onnx_sha256 ${bundle.model?.onnx_sha256}`)
    if (pinned != null) {
      console.log(`private version: circuit ${String(bundle.circuit_id)}, public signal 0 = commitment ${String(pinned)}`)
      console.log('note: this checks the proof against the key inside the bundle and the commitment ' +
        `${opts.commitment != null ? 'you pinned' : 'inside the bundle (pin yours with --commitment)'}; compare the key with the ` +
        'architecture\'s published vk_sha256.')
    } else {
      console.log('note: this checks the proof against the key inside the bundle; compare that key (or onnx_sha256) with the one the ' +
        'model\'s publisher gives to know which model it proves.')
    }
    if (!verified) process.exitCode = 1
    await (globalThis as { curve_bn128?: { terminate: () => Promise<void> } }).curve_bn128?.terminate()
  } else if (sub === 'calldata') {
    const file = need(target, 'FILE', 'proof')
    let bundle: unknown
    try { bundle = JSON.parse(await readFile(file, 'utf8')) } catch { throw new CliError(`cannot read ${file} as a JSON proof bundle`) }
    const { batchBundleCallArgs, isBatchBundle } = await import('./proofs/batch-cli.js')
    if (!isBatchBundle(bundle)) throw new CliError(`${file} is not a batch bundle (kind "batch")`)
    console.log(JSON.stringify(batchBundleCallArgs(bundle), null, 2))
  } else {
    const what = sub == null ? 'missing' : `unknown proof command '${sub}'`
    throw new CliError(`${what}: use get, download, verify or calldata\n\n${HELP.proof}`)
  }
}

async function models (): Promise<void> {
  const [sub, a, b] = positionals.slice(1)
  if (sub === 'list') {
    const { models } = await api('GET', '/models')
    if (models.length === 0) console.log('no models yet')
    for (const m of models) {
      console.log(`${m.name}\tversions ` +
      `${m.versions.join(', ')}\t${Object.entries(m.aliases).map(([k, v]) => `${k}=${String(v)}`).join(' ')}`)
    }
  } else if (sub === 'show') {
    console.log(JSON.stringify(await api('GET',
      `/models/${encodeURIComponent(need(a, 'NAME', 'models'))}/versions/${encodeURIComponent(b ?? 'latest')}`), null, 2))
  } else if (sub === 'upload') {
    const file = need(a, 'FILE.onnx', 'models')
    const bytes = await readFile(file).catch(() => { throw new CliError(`cannot read ${file}`) })
    const form = new FormData()
    form.append('model', new Blob([bytes]), path.basename(file))
    form.append('spec', JSON.stringify({
      name: need(opts.name, '--name', 'models'),
      ...(opts.features != null ? { features: opts.features.split(',').map((f) => f.trim()) } : {}),
      ...(opts.threshold != null ? { threshold: Number(opts.threshold) } : {}),
      ...(opts['proof-system'] != null ? { proof_system: opts['proof-system'] } : {}),
      ...(opts.private === true ? { proof_visibility: 'private' } : {}),
    }))
    const result = await api('POST', '/models', form)
    console.log(`registered ${result.name} version ${result.version} (${base}${result.href})`)
  } else {
    throw new CliError(`${sub == null ? 'missing' : `unknown models command '${sub}'`}: use list, show or upload\n\n${HELP.models}`)
  }
}

async function main (): Promise<void> {
  const command = positionals[0]
  if (command == null || command === 'help') { console.log(HELP.main); return }
  if (opts.help === true) { console.log(HELP[command] ?? HELP.main); return }
  switch (command) {
    case 'train': return await train()
    case 'predict': return await predict()
    case 'proof': return await proof()
    case 'models': return await models()
    case 'serve': await import('./server.js'); return
    case 'worker': await import('./worker.js'); return
    default: throw new CliError(`unknown command '${command}'\n\n${HELP.main}`)
  }
}

try {
  await main()
} catch (err) {
  if (err instanceof CliError) {
    console.error(`zkpredict: ${err.message}`)
    process.exitCode = 2
  } else {
    throw err
  }
}
