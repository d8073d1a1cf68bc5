/**
 * The tests' fake embeddings provider (`test/support/fake-embeddings-server.ts`, OpenAI's
 * `POST /v1/embeddings` wire format) as a child process for the search scenarios. The fake
 * picks its own free port, so this wrapper starts it and forwards `POST /v1/embeddings` from
 * `PORT` (the port `ctx.startReference` chose) to it; `GET /ready` says it is up.
 */
import Fastify from 'fastify';
import { startFakeEmbeddingsServer } from '../../test/support/fake-embeddings-server';

async function main(): Promise<void> {
  const fake = await startFakeEmbeddingsServer();
  const app = Fastify({ logger: false, bodyLimit: 50 * 1024 * 1024 });
  app.get('/ready', async () => ({ ok: true }));
  app.post('/v1/embeddings', async (request, reply) => {
    const response = await fetch(`${fake.url}/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request.body),
    });
    return reply
      .code(response.status)
      .type('application/json')
      .send(await response.text());
  });
  const close = () => void app.close().then(() => process.exit(0));
  process.on('SIGTERM', close);
  process.on('SIGINT', close);
  await app.listen({ port: Number(process.env.PORT ?? 3103), host: '127.0.0.1' });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
