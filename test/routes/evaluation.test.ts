import t from 'tap'
import { build } from '../helpers/build.js'
import { waitFor } from '../helpers/app.js'

/**
 * The forecast recipe end to end through the real app (inject): train on synthetic data (few epochs, a short
 * walk-forward), read the version's evaluation, predict with a proof of the calibrated model, verify
 * it, and find in the bundle how its public inputs were computed from raw values.
 */
t.test('forecast recipe over HTTP: evaluation, calibrated and provable, transforms in the bundle', async (t) => {
  const server = await build(t)
  const settled = async (href: string): Promise<any> => await waitFor(async () => {
    const res = await server.call('GET', href)
    return res.body.status === 'succeeded' || res.body.status === 'failed' ? res.body : undefined
  }, 240_000, 100)

  const bad = await server.call('POST', '/train', { model: 'fc', recipe: 'default', horizon: 2 })
  t.equal(bad.status, 400)
  t.match(bad.body.message, /horizon applies to the forecast recipe only/)

  const progress: any[] = []
  const submitted = await server.call('POST', '/train', {
    model: 'fc',
    recipe: 'forecast',
    horizon: 1,
    seed: 1,
    epochs: 4,
    walk_forward: { span_days: 14, test_days: 7, step_days: 7 },
    data: { synthetic: { seed: 4, days: 120 } },
  })
  t.equal(submitted.status, 202, JSON.stringify(submitted.body))
  t.same(submitted.body.spec.walk_forward, { span_days: 14, test_days: 7, step_days: 7 })
  const job = await waitFor(async () => {
    const res = await server.call('GET', submitted.body.href)
    if (res.body.progress != null) progress.push(res.body.progress)
    return res.body.status === 'succeeded' || res.body.status === 'failed' ? res.body : undefined
  }, 240_000, 50)
  t.equal(job.status, 'succeeded', job.error)
  t.ok(progress.every((p) => p.stage === 'walk-forward' || p.stage === 'final'), 'progress says which stage runs')

  const version = await waitFor(async () => {
    const res = await server.call('GET', '/models/fc')
    return ['ready', 'failed', 'unsupported'].includes(res.body.circuit?.status) ? res.body : undefined
  }, 240_000, 250)
  t.equal(version.circuit.status, 'ready', version.circuit.error)
  t.equal(version.recipe, 'forecast')
  t.equal(version.target, 'next-days')
  t.equal(version.horizon_days, 1)
  t.equal(version.evaluation, true)
  t.equal(version.features.length, 16)
  t.same(version.feature_transforms.map((f: any) => f.feature), version.features)
  t.equal(version.calibration.method, 'platt')

  const evaluation = await server.call('GET', '/models/fc/versions/1/evaluation')
  t.equal(evaluation.status, 200)
  t.equal(evaluation.body.walk_forward.folds.length, 2)
  t.equal(evaluation.body.split.test.scores.roc_auc.value, version.metrics.roc_auc)
  t.ok(['prior', 'persistence'].includes(evaluation.body.walk_forward.overall.scores.roc_auc.better_baseline))
  t.equal(evaluation.body.walk_forward.overall.rows, evaluation.body.walk_forward.folds.reduce((a: number, f: any) => a + f.test_rows, 0))
  const missing = await server.call('GET', '/models/fc/versions/9/evaluation')
  t.equal(missing.status, 404)

  // one row of transformed inputs: 2 liquidation days in each window, log1p of raw volumes and caps
  const raw = { deposits_volume: 2.4e8, borrows_volume: 1.1e8, market_cap: 3.2e10, volumes_last_24h: 4.0e9 }
  const row = Object.fromEntries(version.feature_transforms.map((f: any) => {
    if (f.transform === 'log1p') {
      const base = f.source.replace(/_avg_7d$/, '')
      return [f.feature, Math.log1p((raw as Record<string, number>)[base] ?? 1e6)]
    }
    return [f.feature, f.feature.startsWith('liquidation_days_') ? 2 : f.feature === 'volatility_7day' ? 0.01 : 1]
  }))
  const predicted = await server.call('POST', '/predict', { model: 'fc', instances: [row], proof: true })
  t.equal(predicted.status, 200, JSON.stringify(predicted.body))
  const p = predicted.body.predictions[0]
  t.equal(p.label, p.probability >= version.threshold ? 1 : 0, 'the label follows the calibrated probability and the threshold')
  const proof = await settled(`/proofs/${p.proof.id}`)
  t.equal(proof.status, 'succeeded', proof.error)
  t.equal(proof.public_signals.length, 2 + 16, 'logit, label, 16 transformed inputs')
  t.ok(Math.abs(1 / (1 + Math.exp(-proof.output.logit)) - p.probability) <= 1e-3, 'the proven logit is the calibrated one that was served')
  const verified = await server.call('POST', `/proofs/${p.proof.id}/verify`)
  t.equal(verified.body.verified, true)
  const bundle = (await server.call('GET', `/proofs/${p.proof.id}/download`)).body
  t.same(bundle.feature_transforms, version.feature_transforms, 'the bundle says how each public input was computed')
  const again = await server.call('POST', '/proofs/verify', bundle)
  t.equal(again.body.verified, true, JSON.stringify(again.body))
})
