import t from 'tap'
import { Histogram, Registry } from 'prom-client'
import { DeferredHistogram } from '../../src/observability/deferred-histogram.js'
import { mulberry32 } from '../../src/seeded-random.js'
import { parseExposition } from '../helpers/prometheus.js'

const BOUNDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

t.test('the same exposition as prom-client\'s Histogram for the same observations', async (t) => {
  const theirs = new Registry()
  const ours = new Registry()
  const reference = new Histogram({ name: 'req_seconds', help: 'Request time', labelNames: ['route', 'status'], buckets: BOUNDS, registers: [theirs] })
  const deferred = new DeferredHistogram('req_seconds', 'Request time', ['route', 'status'], BOUNDS, [ours])
  const g = mulberry32(7)
  const labelSets = [{ route: '/predict', status: '200' }, { route: '/predict', status: '400' }, { route: '/models', status: '200' }]
  // Values on the bounds themselves (le is inclusive), below the first, above the last, and in between.
  const values = [...BOUNDS, 0, 1e-6, 11, 1e3, ...Array.from({ length: 500 }, () => 10 ** (g() * 6 - 5))]
  for (const [i, v] of values.entries()) {
    const labels = labelSets[i % labelSets.length]
    reference.observe(labels, v)
    deferred.child(labels).observe(v)
  }
  const text = await ours.metrics()
  t.equal(text, await theirs.metrics(), 'byte for byte')
  const family = parseExposition(text).find((f) => f.name === 'req_seconds')
  t.equal(family?.type, 'histogram', 'the Prometheus parser reads it as a histogram')
  t.equal(family?.samples.filter((s) => s.name === 'req_seconds_count').reduce((a, s) => a + s.value, 0), values.length)

  deferred.reset()
  const zeroed = parseExposition(await ours.metrics()).find((f) => f.name === 'req_seconds')?.samples ?? []
  t.ok(zeroed.length > 0 && zeroed.every((s) => s.value === 0), 'a reset zeroes every bucket, sum and count')
})
