import fp from 'fastify-plugin';
/**
 * Request bodies: JSON control routes (train specs, aliases, proof bundles) get JSON_BODY_LIMIT;
 * routes whose bodies are data (rows, tensors) set their own `bodyLimit` (BODY_LIMIT).
 */
export default fp(async (app) => {
    // No route reads text: without this parser a text/plain body would reach handlers as a string.
    app.removeContentTypeParser('text/plain');
    app.addHook('onRoute', (route) => {
        if (route.bodyLimit == null)
            route.bodyLimit = app.config.JSON_BODY_LIMIT;
    });
}, { name: 'bodies', dependencies: ['config'] });
//# sourceMappingURL=bodies.js.map