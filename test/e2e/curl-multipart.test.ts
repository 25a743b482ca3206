import t from 'tap'
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { startServer } from '../helpers/app.js'
import { buildMlpOnnx } from '../helpers/onnx-fixture.js'

const run = promisify(execFile)

/** Issue 12, item 1, as the README shows it: curl's `-F 'spec={...};type=application/json'` against a listening server. */
t.test('curl uploads a model with a spec part typed application/json', async (t) => {
  const server = await startServer()
  t.teardown(server.close)
  const folder = await mkdtemp(path.join(tmpdir(), 'zkpredict-curl-'))
  t.teardown(async () => await rm(folder, { recursive: true, force: true }))
  const modelFile = path.join(folder, 'model.onnx')
  await writeFile(modelFile, buildMlpOnnx().bytes)

  const { stdout } = await run('curl', [
    '-sS', '-w', '\n%{http_code}', `${server.url}/models`,
    '-F', `model=@${modelFile}`,
    '-F', 'spec={"name": "curl-typed", "threshold": 0.3};type=application/json',
  ])
  const [body, status] = stdout.trimEnd().split('\n')
  t.equal(status, '201', body)
  t.same(JSON.parse(body), { name: 'curl-typed', version: 1, href: '/models/curl-typed/versions/1' })
  const version = await server.call('GET', '/models/curl-typed/versions/1')
  t.equal(version.body.threshold, 0.3)
})
