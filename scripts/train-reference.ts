/**
 * Trains one model on a reference feature JSON and writes its ONNX (and the TrainedModel as JSON).
 * Usage: node dist/scripts/train-reference.js FEATURES.json OUT_PREFIX [--recipe default] [--seed 0] [--epochs N]
 * Writes OUT_PREFIX.onnx and OUT_PREFIX.json; check the graph with scripts/check-onnx-train.py.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import type { FeatureDataset } from '../src/features/types.js'
import { exportOnnx } from '../src/onnx/write.js'
import { trainModel } from '../src/training/train.js'
import type { RecipeName } from '../src/training/types.js'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    recipe: { type: 'string', default: 'default' },
    seed: { type: 'string', default: '0' },
    epochs: { type: 'string' },
  },
})
const [file, out] = positionals
if (file === undefined || out === undefined) throw new Error('usage: train-reference FEATURES.json OUT_PREFIX')
const d = JSON.parse(readFileSync(file, 'utf8'))
const recipe = values.recipe as RecipeName
const ds: FeatureDataset = {
  variant: d.variant ?? (recipe === 'tutorial' ? 'tutorial' : 'per-token'),
  window: d.window ?? (d.featureNames.some((f: string) => f.endsWith('_3d')) ? 3 : 7),
  featureNames: d.featureNames,
  testFromDay: d.testFromDay,
  train: d.train,
  test: d.test,
  scaler: d.scaler,
}
const model = await trainModel(ds, {
  recipe,
  seed: Number(values.seed),
  epochs: values.epochs !== undefined ? Number(values.epochs) : undefined,
})
writeFileSync(`${out}.onnx`, exportOnnx(model))
writeFileSync(`${out}.json`, JSON.stringify(model))
console.log(JSON.stringify({ backend: model.backend, threshold: model.threshold, metrics: model.metrics, details: model.details }))
