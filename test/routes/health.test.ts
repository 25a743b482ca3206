import t from 'tap'
import { build } from '../helpers/build.js'

/** Issue 12, item 8: /health/ready says whether the default model is provable yet. */
t.test('/health/ready has provable', async (t) => {
  const { call } = await build(t)
  const res = await call('GET', '/health/ready')
  t.equal(res.status, 200)
  t.same(res.body, { status: 'ready', provable: false }, 'no default model (DEFAULT_MODELS off): nothing to prove yet')
})
