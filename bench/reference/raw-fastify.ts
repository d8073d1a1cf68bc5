/**
 * Reference for the `health` scenario: a bare Fastify 5 server answering `GET /api/health`
 * with the same JSON body as the API — `{success, data: {status}, meta: {requestId,
 * timestamp}}`, a UUID request id and an ISO timestamp — and nothing else: no logger, no
 * hooks, no guards, no interceptors, no metrics.
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';

const port = Number(process.env.PORT ?? 3100);
const app = Fastify({ logger: false, genReqId: () => randomUUID() });

app.get('/api/health', async (request) => ({
  success: true,
  data: { status: 'ok' },
  meta: { requestId: request.id, timestamp: new Date().toISOString() },
}));

const close = () => {
  void app.close().then(() => process.exit(0));
};
process.on('SIGTERM', close);
process.on('SIGINT', close);

app.listen({ port, host: '127.0.0.1' }).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
