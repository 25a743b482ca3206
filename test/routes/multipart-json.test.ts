import t from 'tap'
import createClient from 'openapi-fetch'
import type { paths } from '../../src/client/openapi.js'
import { generateSyntheticDatasets } from '../../src/data/synthetic.js'
import { datasetTable } from '../../src/data/tables.js'
import { writeParquet } from '../../src/data/readers.js'
import { DATASET_NAMES } from '../../src/data/types.js'
import { build, MULTIPART_BOUNDARY, multipartBody, type InjectedApp } from '../helpers/build.js'
import { buildMlpOnnx } from '../helpers/onnx-fixture.js'

/**
 * Issue 12, item 1: a multipart 'spec' part typed application/json (OpenAPI 3.1's default encoding of an object
 * property, what generated clients and `curl -F 'spec={...};type=application/json'` send) is accepted like an untyped one.
 */
const onnx = buildMlpOnnx().bytes

/** An openapi-fetch client over app.inject: the generated types, the real app, no socket. */
function injectedClient (injected: InjectedApp): ReturnType<typeof createClient<paths>> {
  return createClient<paths>({
    baseUrl: 'http://zkpredict.test',
    fetch: async (request: Request) => {
      const url = new URL(request.url)
      const res = await injected.inject({
        method: request.method as 'POST',
        url: url.pathname + url.search,
        headers: Object.fromEntries(request.headers),
        payload: request.body == null ? undefined : Buffer.from(await request.arrayBuffer()),
      })
      return new Response(res.rawPayload, { status: res.statusCode, headers: res.headers as Record<string, string> })
    },
  })
}

/**
 * The body serializer a generator derives from the document: every part the `encoding` types application/json is sent
 * as a JSON field with that content type, every other part as a file.
 */
function encodedMultipart (encoding: Record<string, { contentType: string }>) {
  return (body: Record<string, unknown>) => {
    const parts: Record<string, { bytes: Uint8Array, filename: string } | { json: string }> = {}
    for (const [name, value] of Object.entries(body)) {
      parts[name] = encoding[name]?.contentType === 'application/json'
        ? { json: JSON.stringify(value) }
        : { bytes: value as Uint8Array, filename: `${name}.bin` }
    }
    return multipartBody(parts).payload
  }
}

t.test('a JSON part typed application/json', async (t) => {
  const injected = await build(t)
  const { inject } = injected

  t.test('POST /models accepts it (it answered 400 "[object Object]" is not valid JSON)', async (t) => {
    const { payload, headers } = multipartBody({ model: { bytes: onnx, filename: 'm.onnx' }, spec: { json: '{"name":"typed"}' } })
    const res = await inject({ method: 'POST', url: '/models', payload, headers })
    t.equal(res.statusCode, 201, res.body)
    t.same(res.json(), { name: 'typed', version: 1, href: '/models/typed/versions/1' })
  })

  t.test('an untyped JSON field and a file part still work', async (t) => {
    const asField = multipartBody({ model: { bytes: onnx, filename: 'm.onnx' }, spec: '{"name":"typed"}' })
    t.equal((await inject({ method: 'POST', url: '/models', ...asField })).statusCode, 201)
    const asFile = multipartBody({ model: { bytes: onnx, filename: 'm.onnx' }, spec: { bytes: Buffer.from('{"name":"typed"}'), filename: 's.json' } })
    t.equal((await inject({ method: 'POST', url: '/models', ...asFile })).statusCode, 201)
  })

  t.test('a typed part that is not JSON is a 400 naming the part', async (t) => {
    const { payload, headers } = multipartBody({ model: { bytes: onnx, filename: 'm.onnx' }, spec: { json: '{"name":' } })
    const res = await inject({ method: 'POST', url: '/models', payload, headers })
    t.equal(res.statusCode, 400, res.body)
    t.equal(res.json().where?.field, 'spec')
  })

  t.test('a typed spec is validated like any other', async (t) => {
    const { payload, headers } = multipartBody({ model: { bytes: onnx, filename: 'm.onnx' }, spec: { json: '{"name":"../x"}' } })
    const res = await inject({ method: 'POST', url: '/models', payload, headers })
    t.equal(res.statusCode, 400, res.body)
    t.match(res.json().message, /spec\/name/)
  })

  t.test('POST /train accepts it with the dataset files', async (t) => {
    const data = generateSyntheticDatasets({ seed: 3, days: 120 })
    const files = Object.fromEntries(DATASET_NAMES.map((name) =>
      [name, { bytes: writeParquet(datasetTable(name, data[name] as never)), filename: `${name}.parquet` }]))
    const spec = { json: JSON.stringify({ model: 'typed-train', recipe: 'tutorial', window: 3, epochs: 1 }) }
    const res = await inject({ method: 'POST', url: '/train', ...multipartBody({ spec, ...files }) })
    t.equal(res.statusCode, 202, res.body)
    t.equal(res.json().spec.model, 'typed-train')
    const invalid = await inject({ method: 'POST', url: '/train', ...multipartBody({ spec: { json: '{"model":"x","window":"7"}' }, ...files }) })
    t.equal(invalid.statusCode, 400, invalid.body)
    t.match(invalid.json().message, /spec\/window/)
  })

  t.test('the document declares the encoding, and a client generated from it uploads', async (t) => {
    const document = (await inject({ method: 'GET', url: '/openapi.json' })).json()
    const uploadMedia = document.paths['/models'].post.requestBody.content['multipart/form-data']
    t.same(uploadMedia.encoding, { spec: { contentType: 'application/json' } })
    t.same(uploadMedia.schema.properties.spec.$ref, '#/components/schemas/UploadSpec')
    const trainMedia = document.paths['/train'].post.requestBody.content['multipart/form-data']
    t.same(trainMedia.encoding, { spec: { contentType: 'application/json' } })

    const client = injectedClient(injected)
    const serialize = encodedMultipart(uploadMedia.encoding)
    const uploaded = await client.POST('/models', {
      // openapi-typescript types a binary part as a string; the serializer sends the bytes.
      body: { model: onnx as unknown as string, spec: { name: 'generated', threshold: 0.4 } },
      bodySerializer: (body) => serialize(body as Record<string, unknown>) as never,
      headers: { 'content-type': `multipart/form-data; boundary=${MULTIPART_BOUNDARY}` },
    })
    t.equal(uploaded.response.status, 201, JSON.stringify(uploaded.error))
    t.same(uploaded.data, { name: 'generated', version: 1, href: '/models/generated/versions/1' })
    const version = await client.GET('/models/{name}/versions/{version}', { params: { path: { name: 'generated', version: '1' } } })
    t.equal(version.data?.threshold, 0.4)
  })
})
