import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { securitySchemes } from '../../access.js';
import { sharedSchemas } from '../../schemas/index.js';
/** The OpenAPI document (every schema's $id becomes a named component) and Swagger UI at /docs. */
export default fp(async (app) => {
    for (const schema of sharedSchemas)
        app.addSchema(schema);
    await app.register(swagger, {
        openapi: {
            openapi: '3.1.0',
            info: {
                title: 'zkpredict',
                version: '0.1.0',
                description: 'Aave liquidation-risk predictions, each with a zero-knowledge proof (Groth16 or PLONK, snarkjs) ' +
                    'that the published model version produced it.',
                license: { name: 'MIT', identifier: 'MIT' },
            },
            // Relative: the service answers on whatever host serves this document.
            servers: [{ url: '/', description: 'the service that serves this document' }],
            // Open by default; each operation that takes an API key declares it (src/plugins/app/access.ts).
            security: [],
            tags: [
                { name: 'service', description: 'Liveness, readiness' },
                { name: 'training', description: 'Train models as background jobs' },
                { name: 'models', description: 'The model registry' },
                { name: 'predict', description: 'Predictions' },
                { name: 'proofs', description: 'Zero-knowledge proofs of predictions' },
                { name: 'inference-v2', description: 'Open Inference Protocol v2 (KServe, Triton clients)' },
            ],
            components: { securitySchemes },
        },
        // Named components: every schema's $id becomes its component name.
        refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
    app.get('/openapi.json', { schema: { hide: true }, config: { access: 'public' } }, async () => app.swagger());
}, { name: 'swagger' });
//# sourceMappingURL=swagger.js.map