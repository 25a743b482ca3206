/** The registry's rule for model names (the API schemas take it from here). */
export const NAME_PATTERN = '^[a-z0-9][a-z0-9_-]{0,63}$';
//# sourceMappingURL=names.js.map