import { createHash } from 'node:crypto'
import { AjvCompiler } from '@fastify/ajv-compiler'
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import type { FastifyServerOptions } from 'fastify'

/**
 * One validator pool per process, not per app: @fastify/ajv-compiler keys its Ajv instances by the
 * external schemas and options, and Ajv keeps what it compiled per schema object, so a second app
 * (a test file builds several; the OpenAPI generator; a worker and an API in one process) reuses
 * the first one's validators instead of compiling every route again.
 */
const validatorPool = AjvCompiler()

type Serializer = (data: unknown) => string
type SerializerFactory = (externalSchemas: unknown, serializerOptions: unknown) => (route: { schema: unknown }) => Serializer

/**
 * Response serializers compiled once per process for the same schema, shared schemas and options.
 * fast-json-stringify builds a fresh resolver (and an Ajv instance) with every shared schema for
 * each route: measured with --cpu-prof on a loaded 2-core machine, it was a quarter of the CPU of
 * starting the app, and the test suite starts the app ~200 times (several times in most files).
 * A compiled serializer is a pure function of that key, so sharing it between apps changes nothing.
 */
const serializers = new Map<string, Serializer>()
const sha256 = (value: unknown): string => createHash('sha256').update(JSON.stringify(value) ?? 'undefined').digest('hex')
const cachedSerializers: SerializerFactory = (externalSchemas, serializerOptions) => {
  const compile = (SerializerSelector() as unknown as SerializerFactory)(externalSchemas, serializerOptions)
  const shared = sha256([externalSchemas, serializerOptions])
  return (route) => {
    const key = `${shared}:${sha256(route.schema)}`
    let serializer = serializers.get(key)
    if (serializer === undefined) {
      serializer = compile(route)
      serializers.set(key, serializer)
    }
    return serializer
  }
}

/**
 * Query strings and path parameters arrive as text, so their schemas coerce ("7" -> 7,
 * "true" -> true). A JSON body has real types: coercing it would turn `true` or "1" into a
 * feature value of 1, so bodies are validated without coercion (a wrong type is a 400).
 */
export function validatorsWithoutBodyCoercion (): FastifyServerOptions['schemaController'] {
  const pool = validatorPool
  return ({
    compilersFactory: {
      buildValidator: (externalSchemas: Record<string, unknown>, options: { customOptions?: Record<string, unknown> } & Record<string,
        unknown>) => {
        const coercing = pool(externalSchemas as never, options as never)
        const strict = pool(externalSchemas as never, {
          ...options,
          customOptions: {
            ...options.customOptions,
            coerceTypes: false
          }
        } as never)
        return (route: { httpPart?: string }) => (route.httpPart === 'body' ? strict(route as never) : coercing(route as never))
      },
      buildSerializer: cachedSerializers,
    },
  }) as unknown as FastifyServerOptions['schemaController']
}
