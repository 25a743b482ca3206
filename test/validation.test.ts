import Fastify from 'fastify'
import t from 'tap'
import { referencedSchemas, serializersOfReferencedSchemas, validatorsWithoutBodyCoercion } from '../src/validation.js'

const Inner = { $id: 'Inner', type: 'object', properties: { n: { type: 'integer' } } }
const Outer = { $id: 'Outer', type: 'object', properties: { inner: { $ref: 'Inner#' }, list: { type: 'array', items: { $ref: 'Inner#/properties/n' } } } }
const Unrelated = { $id: 'Unrelated', type: 'object', properties: { s: { type: 'string' } } }
const external = { Inner, Outer, Unrelated }

t.test('referencedSchemas: the shared schemas a response refers to, through each other, and no others', async (t) => {
  t.same(Object.keys(referencedSchemas({ $ref: 'Outer#' }, external) ?? {}).sort(), ['Inner', 'Outer'])
  t.same(referencedSchemas({ type: 'object', properties: { a: { $ref: 'Inner#' } } }, external), { Inner })
  t.same(referencedSchemas({ type: 'string' }, external), {}, 'a schema without $ref needs none')
  t.same(referencedSchemas({ $ref: '#/definitions/x', definitions: { x: { type: 'string' } } }, external), {}, 'a local $ref needs none')
  t.equal(referencedSchemas({ $ref: 'https://example.com/other.json#' }, external), null, 'an unknown id: the caller passes them all')
  const cyclic = { A: { $id: 'A', type: 'object', properties: { b: { $ref: 'B#' } } }, B: { $id: 'B', type: 'object', properties: { a: { $ref: 'A#' } } } }
  t.same(Object.keys(referencedSchemas({ $ref: 'A#' }, cyclic) ?? {}).sort(), ['A', 'B'], 'schemas that refer to each other end')
})

t.test('serializersOfReferencedSchemas: one serializer per distinct response schema', async (t) => {
  const compile = serializersOfReferencedSchemas(external)
  const first = compile({ schema: { $ref: 'Outer#' }, method: 'GET', url: '/a', httpStatus: '200' })
  const second = compile({ schema: { $ref: 'Outer#' }, method: 'POST', url: '/b', httpStatus: '201' })
  const other = compile({ schema: { $ref: 'Inner#' }, method: 'GET', url: '/a', httpStatus: '404' })
  t.equal(first, second, 'an identical schema on another route is compiled once')
  t.not(first, other)
  t.same(JSON.parse(first({ inner: { n: 3, dropped: true }, list: [1, 2], extra: 1 })), { inner: { n: 3 }, list: [1, 2] })
})

t.test('the app\'s schema controller serializes responses that refer to shared schemas', async (t) => {
  const app = Fastify({ schemaController: validatorsWithoutBodyCoercion() })
  t.teardown(async () => await app.close())
  for (const schema of Object.values(external)) app.addSchema(schema)
  app.get('/outer', { schema: { response: { 200: { $ref: 'Outer#' } } } }, async () => ({ inner: { n: 7, secret: 'x' }, list: [4], extra: true }))
  app.get('/inner', { schema: { response: { 200: { $ref: 'Inner#' } } } }, async () => ({ n: 1, secret: 'y' }))
  const outer = await app.inject({ method: 'GET', url: '/outer' })
  t.equal(outer.statusCode, 200)
  t.same(outer.json(), { inner: { n: 7 }, list: [4] }, 'only the declared fields, through the nested $ref')
  t.same((await app.inject({ method: 'GET', url: '/inner' })).json(), { n: 1 })
})
