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
      buildSerializer: serializersOfReferencedSchemas,
    },
  }) as unknown as FastifyServerOptions['schemaController']
}

type RouteSchema = { schema?: unknown, method: string, url: string, httpStatus: string }
type Serializer = (doc: unknown) => string

/**
 * Response serializers as fastify makes them (fast-json-stringify through its SerializerSelector), with two
 * changes that matter at start-up: each one gets only the shared schemas its response schema refers to, and an
 * identical response schema with the same shared schemas and options (an Error on most routes; every route again
 * when a process builds a second app, as tests, the OpenAPI generator and an API with a worker do) is compiled
 * once per process: a compiled serializer is a pure function of that key, so sharing it changes nothing. fast-
 * json-stringify validates every external schema it is given on each build, so handing all ~40 shared schemas to
 * each of the ~150 (route, status) pairs cost about 3.8 s of CPU of a 6.9 s start-up (node --cpu-prof of the
 * server: fast-json-stringify, json-schema-ref-resolver and ajv on top; BENCHMARKS.md, bounded state).
 */
export function serializersOfReferencedSchemas (externalSchemas: Record<string, unknown>, options?: unknown):
(route: RouteSchema) => Serializer {
  const compile = SerializerSelector()
  return (route) => {
    const externals = referencedSchemas(route.schema, externalSchemas) ?? externalSchemas
    const key = sha256([externals, options, route.schema])
    let serializer = compiledSerializers.get(key)
    if (serializer == null) {
      serializer = compile(externals, options as never)(route)
      compiledSerializers.set(key, serializer)
    }
    return serializer
  }
}

const compiledSerializers = new Map<string, Serializer>()
const sha256 = (value: unknown): string => createHash('sha256').update(JSON.stringify(value) ?? 'undefined').digest('hex')

/**
 * The shared schemas (by `$id`) that `schema` refers to with `$ref`, directly or through each other. null when a
 * reference names no shared schema (an absolute URL, a relative path): then the caller passes them all, as fastify does.
 */
export function referencedSchemas (schema: unknown, external: Record<string, unknown>): Record<string, unknown> | null {
  const picked: Record<string, unknown> = {}
  const stack: unknown[] = [schema]
  while (stack.length > 0) {
    const node = stack.pop()
    if (node == null || typeof node !== 'object') continue
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') {
        const id = value.split('#')[0]
        if (id === '') continue // inside the schema that holds it
        if (!Object.hasOwn(external, id)) return null
        if (!Object.hasOwn(picked, id)) {
          picked[id] = external[id]
          stack.push(external[id])
        }
      } else if (typeof value === 'object') {
        stack.push(value)
      }
    }
  }
  return picked
}
