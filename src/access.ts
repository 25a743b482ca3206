import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest, RouteOptions } from 'fastify'
import { AppError } from './errors.js'
import { ErrorResponse, ref } from './schemas/index.js'

/**
 * Who may call what. With API_KEYS empty the service is open. With keys set:
 * - `write` routes (training, uploads, deletes, alias changes) always need a valid key;
 * - `read` routes (predictions, proofs, the registry) need one only when API_KEYS_REQUIRED_FOR_READ is on;
 * - `public` routes (health, docs, the OpenAPI document) never do.
 * Each route declares its class in its options (`config: { access }`, src/plugins/app/access.ts).
 * A key comes in `x-api-key` or `Authorization: Bearer <key>`. A missing key is 401, a wrong one 403.
 */
export type Access = 'write' | 'read' | 'public'

export function parseApiKeys (text: string): string[] {
  return text.split(',').map((k) => k.trim()).filter((k) => k.length > 0)
}

/** The key a request presents, if any: `x-api-key` first, then `Authorization: Bearer`. */
export function presentedKey (request: Pick<FastifyRequest, 'headers'>): string | undefined {
  const header = request.headers['x-api-key']
  const direct = Array.isArray(header) ? header[0] : header
  if (direct != null && direct !== '') return direct
  const authorization = request.headers.authorization
  const match = authorization != null ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null
  return match?.[1]
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest()

export class ApiKeys {
  private readonly digests: Buffer[]
  private readonly adminDigests: Buffer[]

  /** `adminKeys` (ADMIN_API_KEYS) are valid keys too, and the only ones that read a private version's secrets. */
  constructor (keys: string[], readonly requiredForRead: boolean, adminKeys: string[] = []) {
    this.adminDigests = adminKeys.map(digest)
    this.digests = [...keys.map(digest), ...this.adminDigests]
  }

  /** Whether the request presents an admin key (constant time over every admin key, as identify). */
  isAdmin (request: Pick<FastifyRequest, 'headers'>): boolean {
    const key = presentedKey(request)
    if (key == null) return false
    const presented = digest(key)
    let match = false
    for (const known of this.adminDigests) if (timingSafeEqual(known, presented)) match = true
    return match
  }

  get enabled (): boolean {
    return this.digests.length > 0
  }

  /**
   * A short stable id of the matching key (for rate-limit buckets; never the key itself), or null.
   * Both sides are hashed to equal length and every key is compared, so timing reveals neither
   * the key nor which one matched.
   */
  identify (key: string | undefined): string | null {
    if (key == null) return null
    const presented = digest(key)
    let match: Buffer | null = null
    for (const known of this.digests) if (timingSafeEqual(known, presented)) match = known
    return match == null ? null : match.subarray(0, 8).toString('hex')
  }

  /** Whether a route of this access class needs a key (keys are fixed at start, so this is decided once per route). */
  needsKey (access: Access): boolean {
    return this.enabled && access !== 'public' && (access !== 'read' || this.requiredForRead)
  }

  /** Throws the 401/403 a request gets on a route of this access class. */
  check (access: Access, request: Pick<FastifyRequest, 'headers'>): void {
    if (!this.needsKey(access)) return
    const key = presentedKey(request)
    if (key == null) {
      throw new AppError(401, 'unauthorized',
        `this ${access === 'write' ? 'operation changes the service and needs' : 'service needs'} an API key: send it in the x-api-key ` +
        'header or as Authorization: Bearer <key>', { header: 'x-api-key' })
    }
    if (this.identify(key) == null) {
      const header = request.headers['x-api-key'] != null && request.headers['x-api-key'] !== '' ? 'x-api-key' : 'authorization'
      throw new AppError(403, 'forbidden', `the API key in the ${header} header is not valid`, { header })
    }
  }
}

/** OpenAPI: security requirements and the error answers each access class can give. */
export function documentAccess (route: RouteOptions, access: Access, rateLimited: boolean, overloadable: boolean): void {
  if (route.schema == null || (route.schema as { hide?: boolean }).hide === true) return
  // Copies: routes may share one schema or response object.
  const schema = { ...route.schema } as { security?: unknown, response?: Record<string, unknown> }
  const response = { ...schema.response }
  const answer = (description: string): unknown => ({ ...ref(ErrorResponse), description })
  if (access === 'write') schema.security = [{ apiKey: [] }, { bearerAuth: [] }]
  if (access === 'read') schema.security = [{}, { apiKey: [] }, { bearerAuth: [] }]
  if (access !== 'public') {
    response[401] ??= answer('No API key, where one is required')
    response[403] ??= answer('The API key is not valid')
  }
  if (rateLimited) response[429] ??= answer('Too many requests for this key or client (Retry-After)')
  if (overloadable) response[503] ??= answer('Overloaded, or a queue is full (Retry-After)')
  schema.response = response
  route.schema = schema as RouteOptions['schema']
}

export const securitySchemes = {
  apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'One of the keys in API_KEYS' },
  bearerAuth: { type: 'http', scheme: 'bearer', description: 'One of the keys in API_KEYS, as Authorization: Bearer <key>' },
}
