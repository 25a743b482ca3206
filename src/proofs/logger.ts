/**
 * Logging for long proof-system steps (ptau, setup). Accepts pino/Fastify loggers or console;
 * snarkjs wants {debug, info, warn, error} and calls them with plain strings.
 */
export interface ProofLogger {
  info(msg: string): void
  warn(msg: string): void
  debug?(msg: string): void
  error?(msg: string): void
}

/**
 * Adapts a ProofLogger for snarkjs; its per-chunk debug and info lines are dropped unless `verbose`
 * (config PROOF_LOG_VERBOSE).
 */
export function snarkLogger (logger?: ProofLogger, verbose = false): { debug(m: string): void, info(m: string): void, warn(m: string): void, error(m: string): void } | undefined {
  if (!logger) return undefined
  return {
    debug: (m: string) => { if (verbose) logger.debug?.(String(m)) },
    info: (m: string) => { if (verbose) logger.info(String(m)) },
    warn: (m: string) => logger.warn(String(m)),
    error: (m: string) => (logger.error ?? logger.warn).call(logger, String(m))
  }
}
