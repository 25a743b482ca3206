import Fastify from 'fastify';
/**
 * The baseline: a bare Fastify route that parses the same JSON body and answers the same JSON
 * as /predict, with no model. What /predict costs beyond it is ours.
 */
const app = Fastify({ logger: false, bodyLimit: 10 * 1024 * 1024 });
app.post('/predict', async (request) => {
    const body = request.body;
    return {
        model: body.model,
        version: 1,
        threshold: 0.5,
        predictions: body.instances.map(() => ({ probability: 0.4321, label: 0 })),
    };
});
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(`${typeof address === 'object' && address != null ? address.port : 0}\n`);
// Exit through process.exit so that `node --cpu-prof` writes its profile.
process.once('SIGTERM', () => { void app.close().then(() => process.exit(0)); });
//# sourceMappingURL=bare-server.js.map