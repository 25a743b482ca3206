import type { FastifyRequest } from 'fastify'
import type { Multipart } from '@fastify/multipart'
import { AppError } from '../../src/errors.js'

/**
 * Reads every part of a multipart request with `handle`. A body whose framing is broken (no
 * boundary, cut off, no closing delimiter) makes busboy fail with a plain Error that carries no
 * status: it is the client's fault, so it becomes a 400 naming the problem. Errors with a code
 * (the plugin's 413 limits, file-system errors) keep their own meaning.
 */
export async function readParts (request: FastifyRequest, handle: (part: Multipart) => Promise<void>): Promise<void> {
  try {
    for await (const part of request.parts()) await handle(part)
  } catch (err) {
    if (isMalformedMultipart(err)) {
      throw new AppError(400, 'invalid_multipart',
      `the multipart body is malformed: ${(err as Error).message}`)
    }
    throw err
  }
}

function isMalformedMultipart (err: unknown): boolean {
  if (!(err instanceof Error) || err instanceof AppError) return false
  const { code, statusCode } = err as { code?: unknown, statusCode?: unknown }
  return code == null && statusCode == null && /multipart/i.test(err.message)
}

/**
 * The JSON of a multipart request's 'spec' part (uploads and training both send one): 400 when the
 * part is missing (`example` shows what to send) or is not JSON. Each route checks it against its own schema.
 */
export function parseSpecPart (text: string | undefined, example: string): unknown {
  if (text == null) throw new AppError(400, 'missing_part', `the multipart body has no 'spec' part${example}`, { field: 'spec' })
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new AppError(400, 'invalid_spec', `the 'spec' part is not JSON: ${(err as Error).message}`, { field: 'spec' })
  }
}
