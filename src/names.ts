/** The rule for model names: the registry enforces it, the API schemas publish it (both take it from here). */
export const NAME_PATTERN = '^[a-z0-9][a-z0-9_-]{0,63}$'
