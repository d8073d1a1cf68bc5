/**
 * Reference for `market-by-id-miss`: a bare Fastify 5 server whose `GET /api/markets/:id`
 * runs the same two statements the API runs on a cache miss — the market row by id, then its
 * creator's id and display name — on a `pg` pool of the API's default size, and returns them
 * as JSON. No cache, no envelope, no guards.
 */
import Fastify from 'fastify';
import { Pool } from 'pg';

const port = Number(process.env.PORT ?? 3102);
const pool = new Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DATABASE_POOL_SIZE ?? 10),
});
const app = Fastify({ logger: false });

const MARKET_SQL = `SELECT m.id AS "id", m.name AS "name", m.description AS "description",
  m.status AS "status", m.outcome AS "outcome", m.q_yes AS "qYes", m.q_no AS "qNo",
  m.liquidity AS "liquidity", m.subsidy AS "subsidy", m.collateral AS "collateral",
  m.volume AS "volume", m.probability AS "probability", m.trade_count AS "tradeCount",
  m.cancel_refund_ratio AS "cancelRefundRatio", m.tags AS "tags", m.creator_id AS "creatorId",
  m.closes_at AS "closesAt", m.resolved_at AS "resolvedAt", m.settled_at AS "settledAt",
  m.created_at AS "createdAt", m.updated_at AS "updatedAt"
  FROM markets m WHERE m.id = $1`;
const CREATOR_SQL = `SELECT id, display_name AS "displayName" FROM users WHERE id = ANY($1::uuid[])`;

app.get('/ready', async () => ({ ok: true }));
app.get<{ Params: { id: string } }>('/api/markets/:id', async (request, reply) => {
  const { rows } = await pool.query({
    name: 'market',
    text: MARKET_SQL,
    values: [request.params.id],
  });
  if (rows.length === 0) return reply.code(404).send({ success: false });
  const market = rows[0] as { creatorId: string };
  const creators = await pool.query({
    name: 'creator',
    text: CREATOR_SQL,
    values: [[market.creatorId]],
  });
  return { market, creator: creators.rows[0] ?? null };
});

const close = () => {
  void app.close().then(() => pool.end().then(() => process.exit(0)));
};
process.on('SIGTERM', close);
process.on('SIGINT', close);

app.listen({ port, host: '127.0.0.1' }).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
