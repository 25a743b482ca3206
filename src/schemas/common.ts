import { Type, type TSchema } from 'typebox'
import { NAME_PATTERN } from '../names.js'

/**
 * One TypeBox schema per shape of the API. Each has an `$id`: the app registers them with
 * `addSchema`, routes point at them with `ref()`, and @fastify/swagger turns every `$id` into a
 * named component of the OpenAPI document, so generated clients get real type names.
 */
export function ref<T extends TSchema> (schema: T): T {
  // Keeps the static type of the target for the type provider while sending `$ref` on the wire.
  return { $ref: `${(schema as { $id?: string }).$id}#` } as unknown as T
}

export { NAME_PATTERN }
export const ModelName = Type.String({ pattern: NAME_PATTERN, description: 'lower-case letters, digits, - and _, at most 64' })
export const VersionSelector = Type.String({
  pattern: '^([1-9][0-9]{0,8}|[a-z][a-z0-9_-]{0,63})$',
  description: 'a version number or an alias such as latest'
})

export const ErrorResponse = Type.Object({
  error: Type.String({ description: 'machine-readable code' }),
  message: Type.String({ description: 'what is wrong, and where' }),
  where: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]))),
}, {
  $id: 'Error',
  additionalProperties: false,
  description: 'What went wrong: a machine-readable code, and a message that names the ' +
  'field, row or column and says what to send instead'
})

export const ProofSystem = Type.Union([Type.Literal('groth16'), Type.Literal('plonk')], { $id: 'ProofSystem' })
/**
 * public: the weights are constants of the version's own circuit and the ONNX file is readable; private (issue 14): one circuit
 * per architecture, the weights are private inputs, the version publishes a Poseidon commitment and only an admin key reads
 * its ONNX file, weights and salt. Inline (no $id): the multipart upload spec is also validated outside Fastify.
 */
export const ProofVisibility = Type.Union([Type.Literal('public'), Type.Literal('private')], {
  description: 'public (default): weights in the circuit; private: weights hidden behind a published commitment',
})
export const JobStatus = Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('succeeded'), Type.Literal('failed')],
  { $id: 'JobStatus' })
export const ProofStatus = Type.Union([Type.Literal('queued'), Type.Literal('proving'), Type.Literal('succeeded'), Type.Literal('failed')],
  { $id: 'ProofStatus' })

/** A fault of the service itself: any route may answer it (the error handler logs the cause). */
export const serverError = { 500: ref(ErrorResponse) }

/** Error responses of a route that reads an id or name from its path: bad value, not found, server fault. */
export const errorResponses = {
  400: ref(ErrorResponse),
  404: ref(ErrorResponse),
  ...serverError,
}

/** A JSON body can also be too large (BODY_LIMIT) or of the wrong content type. */
export const bodyErrors = {
  413: ref(ErrorResponse),
  415: ref(ErrorResponse),
}

// ---- multipart bodies (for the OpenAPI document: the handlers read and validate the parts one by one) ----
export const FilePart = (description: string): TSchema => Type.String({ contentMediaType: 'application/octet-stream', description })
/**
 * A JSON part is the object itself: OpenAPI 3.1's default encoding of an object property in a multipart body is
 * application/json, which is what generated clients send (and `curl -F 'spec={...};type=application/json'`). The
 * swagger plugin also states that encoding explicitly (`multipartJsonEncoding`) for generators that do not default it.
 */
export const JsonPart = <T extends TSchema>(schema: T, description: string): T =>
  ({ ...ref(schema), description }) as unknown as T

/** `encoding` for each non-file part of a multipart body schema: those parts are JSON (see JsonPart). */
export function multipartJsonEncoding (schema: { properties?: Record<string, { contentMediaType?: string, format?: string }> }):
Record<string, { contentType: string }> {
  const encoding: Record<string, { contentType: string }> = {}
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const isFile = property.contentMediaType === 'application/octet-stream' || property.format === 'binary'
    if (!isFile) encoding[name] = { contentType: 'application/json' }
  }
  return encoding
}
