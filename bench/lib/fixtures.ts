/** Data and credentials the scenarios share: seeded markets, user tokens, cache control. */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { JwtService } from '@nestjs/jwt';
import Redis from 'ioredis';
import type { Pool } from 'pg';
import type { BenchContext } from './types';

/** Markets the bench database holds before the data-dependent scenarios run. */
export const BENCH_MARKETS = 200_000;
export const BENCH_USERS = 1_000;

const ROOT = join(__dirname, '..', '..', '..');

/** Runs a compiled script (path under dist/) with the API's environment; resolves to stdout. */
export async function runNode(
  ctx: BenchContext,
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<string> {
  const { spawn } = await import('node:child_process');
  return new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist', script), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...ctx.apiEnv, LOG_LEVEL: 'warn', ...env },
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${script} exited ${code}`)),
    );
  });
}

/** Runs `npm run seed` (the compiled CLI) against `databaseUrl`. */
export async function seed(
  ctx: BenchContext,
  databaseUrl: string,
  markets: number,
  users: number,
): Promise<void> {
  await runNode(ctx, 'src/cli/seed.js', ['--markets', String(markets), '--users', String(users)], {
    DATABASE_URL: databaseUrl,
  });
}

export async function countMarkets(db: Pool): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM markets');
  return rows[0].n;
}

/** Seeds the bench database up to BENCH_MARKETS markets (reused when already there). */
export async function ensureSeeded(ctx: BenchContext, markets = BENCH_MARKETS): Promise<void> {
  const have = await countMarkets(ctx.db);
  if (have >= markets) {
    ctx.log(`${have.toLocaleString('en-US')} markets already seeded`);
    return;
  }
  ctx.log(`seeding ${(markets - have).toLocaleString('en-US')} markets…`);
  const started = performance.now();
  await seed(ctx, ctx.databaseUrl, markets - have, BENCH_USERS);
  ctx.log(`seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * Ids of `n` active binary markets open for trading, newest first (the scenarios buy and
 * quote YES/NO; the seed's and trades-n*'s multi-outcome markets take outcome ids).
 */
export async function activeMarketIds(db: Pool, n: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM markets
     WHERE status = 'active' AND closes_at > now() + interval '1 day' AND outcome_ids = '{YES,NO}'
     ORDER BY created_at DESC, id DESC LIMIT $1`,
    [n],
  );
  return rows.map((r) => r.id);
}

/** Ids of `n` seed users, each topped up to at least `balance` credits (a `grant` row). */
export async function fundedUsers(db: Pool, n: number, balance = 1_000_000): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM users WHERE email LIKE 'seed-%' ORDER BY email LIMIT $1`,
    [n],
  );
  const ids = rows.map((r) => r.id);
  // Grants keep the books: balance and a ledger row change together.
  await db.query(
    `WITH need AS (
       SELECT id, $2::numeric - balance AS amount FROM users
       WHERE id = ANY($1::uuid[]) AND balance < $2::numeric
     ), updated AS (
       UPDATE users u SET balance = u.balance + need.amount, updated_at = now()
       FROM need WHERE u.id = need.id RETURNING u.id, u.balance, need.amount
     )
     INSERT INTO ledger_entries (user_id, kind, amount, balance_after, reason)
     SELECT id, 'grant', amount, balance, 'bench top-up' FROM updated`,
    [ids, balance],
  );
  return ids;
}

/**
 * An access token exactly as TokenService signs it, with the bench API's JWT_SECRET. `av` is
 * the user's authority version: 1 for a seeded user whose role never changed.
 */
export function accessToken(ctx: BenchContext, userId: string, role = 'user', av = 1): string {
  const jwt = new JwtService();
  return jwt.sign(
    { role, type: 'access', sid: randomUUID(), av },
    {
      secret: ctx.apiEnv.JWT_SECRET,
      algorithm: 'HS256',
      subject: userId,
      issuer: ctx.apiEnv.JWT_ISSUER ?? 'market-api',
      audience: ctx.apiEnv.JWT_AUDIENCE ?? 'market-api-clients',
      expiresIn: 3600,
      jwtid: randomUUID(),
    },
  );
}

/** Deletes every key matching `pattern` (SCAN + UNLINK); returns how many were deleted. */
export async function deleteRedisKeys(redisUrl: string, pattern: string): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 5000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/** Deletes the API's cached market entries (not the versions), so the next reads miss. */
export function clearMarketCache(ctx: BenchContext): Promise<number> {
  return deleteRedisKeys(ctx.redisUrl, `${ctx.redisPrefix}:cache:market:v1:*`);
}

/** Σ balances + Σ collateral − Σ grants (0 when the books balance), printed by money scenarios. */
export async function moneyCheck(db: Pool): Promise<{
  balances: string;
  collateral: string;
  grants: string;
  difference: string;
}> {
  const { rows } = await db.query<{
    balances: string;
    collateral: string;
    grants: string;
    difference: string;
  }>(
    `SELECT b.balances::text, c.collateral::text, g.grants::text,
            (b.balances + c.collateral - g.grants)::text AS difference
     FROM (SELECT coalesce(sum(balance), 0) AS balances FROM users) b,
          (SELECT coalesce(sum(collateral), 0) AS collateral FROM markets) c,
          (SELECT coalesce(sum(amount), 0) AS grants FROM ledger_entries WHERE kind = 'grant') g`,
  );
  return rows[0];
}
