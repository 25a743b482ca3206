import { AjvCompiler } from '@fastify/ajv-compiler'
import type { FastifyServerOptions } from 'fastify'

/**
 * Query strings and path parameters arrive as text, so their schemas coerce ("7" -> 7,
 * "true" -> true). A JSON body has real types: coercing it would turn `true` or "1" into a
 * feature value of 1, so bodies are validated without coercion (a wrong type is a 400).
 */
export function validatorsWithoutBodyCoercion (): FastifyServerOptions['schemaController'] {
  const pool = AjvCompiler()
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
    },
  }) as unknown as FastifyServerOptions['schemaController']
}
