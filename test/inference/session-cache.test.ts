import t from 'tap'
import type * as ort from 'onnxruntime-node'
import { SessionCache } from '../../src/inference/session-cache.js'
import { createSession } from '../../src/onnx/session.js'
import { buildMlpOnnx } from '../helpers/onnx-fixture.js'

interface Loaded { session: ort.InferenceSession, n: number }

t.test('session cache: least recently used out, evicted sessions released, failed loads forgotten', async (t) => {
  const bytes = buildMlpOnnx({ seed: 3 }).bytes
  const loads: string[] = []
  const released: string[] = []
  const load = (key: string) => async (): Promise<Loaded> => {
    loads.push(key)
    const session = await createSession(bytes)
    const release = session.release.bind(session)
    // Records the release and still releases the real onnxruntime session.
    session.release = async () => { released.push(key); await release() }
    return { session, n: loads.length }
  }
  const cache = new SessionCache<Loaded>(2)
  t.teardown(() => cache.releaseAll())
  const a = await cache.get('a', load('a'))
  await cache.get('b', load('b'))
  t.equal(await cache.get('a', load('a')), a, 'a hit returns the loaded entry')
  await cache.get('c', load('c')) // evicts b, the least recently used
  t.same(loads, ['a', 'b', 'c'])
  // The release runs once the evicted load settles: poll a bounded number of event-loop turns.
  for (let i = 0; i < 1000 && !released.includes('b'); i++) await new Promise((resolve) => setImmediate(resolve))
  t.same(released, ['b'], 'the evicted session was released')
  await cache.get('b', load('b'))
  t.same(loads, ['a', 'b', 'c', 'b'], 'an evicted entry loads again')

  await t.rejects(cache.get('bad', async () => { throw new Error('damaged model') }), /damaged model/)
  await cache.get('bad', load('bad'))
  t.equal(loads.at(-1), 'bad', 'a failed load is not cached')
  cache.release('bad')
  cache.releaseAll()
})
