import { AjvCompiler } from '@fastify/ajv-compiler';
/**
 * Query strings and path parameters arrive as text, so their schemas coerce ("7" -> 7,
 * "true" -> true). A JSON body has real types: coercing it would turn `true` or "1" into a
 * feature value of 1, so bodies are validated without coercion (a wrong type is a 400).
 */
export function validatorsWithoutBodyCoercion() {
    const pool = AjvCompiler();
    return ({
        compilersFactory: {
            buildValidator: (externalSchemas, options) => {
                const coercing = pool(externalSchemas, options);
                const strict = pool(externalSchemas, {
                    ...options,
                    customOptions: {
                        ...options.customOptions,
                        coerceTypes: false
                    }
                });
                return (route) => (route.httpPart === 'body' ? strict(route) : coercing(route));
            },
        },
    });
}
//# sourceMappingURL=validation.js.map