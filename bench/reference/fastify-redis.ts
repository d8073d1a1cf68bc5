/**
 * Reference for `market-by-id` (cache HIT): a bare Fastify 5 server whose
 * `GET /api/markets/:id` does one Redis GET of the API's cached entry
 * (`<prefix>:cache:market:v1:<id>`) and returns that JSON as it is: no version check, no
 * parsing, no envelope, no guards. 404 when the key is absent.
 */
import Fastify from 'fastify';
import Redis from 'ioredis';

const port = Number(process.env.PORT ?? 3101);
const prefix = process.env.REDIS_PREFIX ?? 'bench';
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const app = Fastify({ logger: false });

app.get('/ready', async () => ({ ok: true }));
app.get<{ Params: { id: string } }>('/api/markets/:id', async (request, reply) => {
  const json = await redis.get(`${prefix}:cache:market:v1:${request.params.id}`);
  if (json === null) return reply.code(404).send({ success: false });
  return reply.type('application/json').send(json);
});

const close = () => {
  void app.close().then(() => {
    redis.disconnect();
    process.exit(0);
  });
};
process.on('SIGTERM', close);
process.on('SIGINT', close);

app.listen({ port, host: '127.0.0.1' }).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
