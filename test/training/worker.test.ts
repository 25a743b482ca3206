import t from 'tap'
import { DataError } from '../../src/errors.js'
import { DATASET_NAMES, type DatasetName } from '../../src/data/types.js'
import type { DataSource } from '../../src/data/sources.js'
import { decodeOnnx } from '../../src/onnx/read.js'
import { runTrainingJob } from '../../src/jobs/train-in-worker.js'
import type { TrainingProgress } from '../../src/training/types.js'

const limits = { maxBytes: 10 * 1024 * 1024, timeoutMs: 10_000 }

t.test('a job on synthetic data trains in a worker thread and reports progress', async (t) => {
  const progress: TrainingProgress[] = []
  const { model, onnx } = await runTrainingJob(
    { recipe: 'tutorial', window: 7, seed: 2, epochs: 2, data: { synthetic: { seed: 5, days: 120 } }, limits },
    { onProgress: (p) => progress.push(p) }
  )
  t.ok(progress.length >= 5, `${progress.length} progress messages`)
  t.same(progress[progress.length - 1].fold, 5)
  t.equal(model.recipe, 'tutorial')
  t.ok(['wasm', 'cpu', 'tensorflow'].includes(model.backend), `backend in the worker: ${model.backend}`)
  t.equal(model.details?.variant, 'tutorial', 'the tutorial recipe gets the tutorial feature variant')
  t.equal(model.featureNames.length, 10)
  t.ok(model.featureNames.includes('volatility_7day'))
  t.ok(model.dataset.train_rows > 0 && model.dataset.test_rows > 0)
  const proto = decodeOnnx(onnx)
  t.equal(proto.graph!.input![0].name, 'input')
  const meta = Object.fromEntries(proto.metadataProps.map((p) => [p.key, p.value]))
  t.equal(meta.seed, '2')
})

t.test('a DataError from a bad source stays a DataError with its status and where', async (t) => {
  const sources = Object.fromEntries(DATASET_NAMES.map((name) => [name, { kind: 'path', path: `/nonexistent/zkpredict-test/${name}.csv` }])) as Record<DatasetName, DataSource>
  const err = await runTrainingJob({ recipe: 'default', window: 3, seed: 0, epochs: 1, data: { sources }, limits }).then(() => undefined, (e: unknown) => e)
  t.ok(err instanceof DataError, 'instanceof DataError')
  const e = err as DataError
  t.equal(e.statusCode, 400)
  t.equal(e.code, 'invalid_data')
  t.ok(e.where !== undefined && typeof e.where.file === 'string', `where: ${JSON.stringify(e.where)}`)
  t.match(e.message, /liquidations_v2/)
})

t.test('abort terminates the worker', async (t) => {
  const controller = new AbortController()
  const job = runTrainingJob(
    { recipe: 'default', window: 7, seed: 0, epochs: 100, data: { synthetic: { seed: 1, days: 365 } }, limits },
    { signal: controller.signal, onProgress: () => controller.abort() }
  )
  await t.rejects(job, { name: 'AbortError' })
})
