import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import type { FastifyBaseLogger } from 'fastify'
import type { Registry } from '../../registry/registry.js'

/**
 * One connection per use, as BullMQ asks: `maxRetriesPerRequest: null` so that a command waits
 * through a Redis restart instead of failing (BullMQ workers require it; the API's reads then wait
 * too, bounded by the client's request timeout). Redis must run with `maxmemory-policy noeviction`:
 * an evicted job or proof key would be silently lost work.
 */
export function connect (url: string, name: string, log?: FastifyBaseLogger): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: null, connectionName: name, enableReadyCheck: true })
  // ioredis reconnects by itself (a Redis restart, a slow connect on a loaded host); say so once per failure, do not crash.
  redis.on('error', (err: Error) => { (log ?? console).warn(`redis ${name}: ${err.message}; reconnecting`) })
  return redis
}

/** Refuses a Redis that may evict keys: queued jobs and proof records would vanish without an error. */
export async function checkRedis (redis: Redis, log: FastifyBaseLogger): Promise<void> {
  const policy = await redis.config('GET', 'maxmemory-policy').catch(() => null) as string[] | null
  if (policy != null && policy[1] !== 'noeviction') {
    throw new Error(`Redis maxmemory-policy is '${policy[1]}': set it to 'noeviction' (jobs and proof records must never be evicted)`)
  }
  const aof = await redis.config('GET', 'appendonly').catch(() => null) as string[] | null
  if (aof != null && aof[1] !== 'yes') {
    log.warn('Redis runs without AOF (appendonly no): a Redis restart loses the queues and proof records since its last snapshot')
  }
}

const UNLOCK = 'if redis.call(\'GET\', KEYS[1]) == ARGV[1] then return redis.call(\'DEL\', KEYS[1]) end return 0'

/**
 * A deployment-wide lock (SET NX PX, released only by its owner): registry changes of one model
 * run one at a time across replicas. Held for a registry write (milliseconds); the 30 s expiry only
 * matters when a holder dies.
 */
export function redisLock (redis: Redis, prefix: string) {
  return async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const key = `${prefix}:lock:model:${name}`
    const token = randomBytes(12).toString('hex')
    const deadline = Date.now() + 60_000
    while (await redis.set(key, token, 'PX', 30_000, 'NX') !== 'OK') {
      if (Date.now() > deadline) throw new Error(`could not take the registry lock of model '${name}' within 60 s`)
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    try {
      return await fn()
    } finally {
      await redis.eval(UNLOCK, 1, key, token)
    }
  }
}

/**
 * Registry changes seen by every replica: a process that changes a model publishes its name on
 * `<prefix>:registry`; every other process reads that model again from the shared DATA_DIR. A
 * message is delivered in milliseconds; one lost while a subscriber reconnects (a Redis restart) is
 * covered by reading the whole registry again on every reconnect.
 */
export async function syncRegistry (registry: Registry, url: string, prefix: string, log: FastifyBaseLogger): Promise<() => Promise<void>> {
  const channel = `${prefix}:registry`
  const origin = randomBytes(8).toString('hex')
  const publisher = connect(url, `${prefix}:registry-pub`, log)
  const subscriber = connect(url, `${prefix}:registry-sub`, log)
  subscriber.on('message', (_channel: string, message: string) => {
    const [from, name] = message.split(' ')
    if (from === origin || name == null) return
    registry.reloadModel(name).catch((err: Error) => log.error({ err, model: name }, 'could not read a model another replica changed'))
  })
  let connectedOnce = false
  subscriber.on('ready', () => {
    if (connectedOnce) {
      registry.reloadAll().catch((err: Error) => log.error({ err }, 'could not read the registry again after a Redis reconnect'))
    }
    connectedOnce = true
  })
  await subscriber.subscribe(channel)
  registry.onChange((name) => {
    publisher.publish(channel, `${origin} ${name}`)
      .catch((err: Error) => log.warn({ err, model: name }, 'could not publish a registry change'))
  })
  registry.useLock(redisLock(publisher, prefix))
  return async () => {
    await subscriber.quit().catch(() => undefined)
    await publisher.quit().catch(() => undefined)
  }
}
