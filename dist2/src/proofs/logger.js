/**
 * Adapts a ProofLogger for snarkjs; its per-chunk debug and info lines are dropped unless `verbose`
 * (config PROOF_LOG_VERBOSE).
 */
export function snarkLogger(logger, verbose = false) {
    if (!logger)
        return undefined;
    return {
        debug: (m) => { if (verbose)
            logger.debug?.(String(m)); },
        info: (m) => { if (verbose)
            logger.info(String(m)); },
        warn: (m) => logger.warn(String(m)),
        error: (m) => (logger.error ?? logger.warn).call(logger, String(m))
    };
}
//# sourceMappingURL=logger.js.map