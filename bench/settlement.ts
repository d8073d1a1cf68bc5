import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { AppModule } from '../src/app.module';
import { loadConfig } from '../src/config/app-config';
import { ensureDatabase } from '../src/database/ensure-database';
import { queryOne } from '../src/database/sql';
import { AuthenticatedUser } from '../src/modules/auth/authenticated-user';
import { ResolutionService } from '../src/modules/trading/resolution.service';
import { SettlementService } from '../src/modules/trading/settlement.service';
import { TradingService } from '../src/modules/trading/trading.service';
import { DataSource } from 'typeorm';

/**
 * `node dist/bench/settlement.js --positions 10000`: how long settling a market with N
 * positions takes. N users each buy once through TradingService (the real trade path, in
 * process), the market resolves YES, then SettlementService.settle runs and is timed.
 * Uses its own database (market_bench_settlement), dropped and recreated each run.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { positions: { type: 'string', default: '10000' } } });
  const positions = Number(values.positions);
  const database = 'market_bench_settlement';
  const server = 'postgres://postgres@127.0.0.1:5432';
  const admin = new Client({ connectionString: `${server}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: `${server}/${database}`,
    REDIS_PREFIX: 'bench-settlement',
    APP_ROLE: 'api',
    LOG_LEVEL: 'warn',
  });
  await ensureDatabase(config.database.url);
  const app = await NestFactory.createApplicationContext(AppModule.register(config), {
    logger: ['error', 'warn'],
  });
  const db = app.get(DataSource);

  // Users with a starting grant, in one statement (the real register path hashes passwords).
  await db.query(
    `WITH created AS (
       INSERT INTO users (email, password_hash, display_name, balance)
       SELECT 'bench-' || g || '@example.com', 'x', 'Bench ' || g, 1000 FROM generate_series(1, $1) g
       RETURNING id, balance)
     INSERT INTO ledger_entries (user_id, kind, amount, balance_after, reason)
     SELECT id, 'grant', balance, balance, 'bench' FROM created`,
    [positions + 1],
  );
  const users: AuthenticatedUser[] = (await db.query(`SELECT id FROM users ORDER BY email`)).map(
    (row: { id: string }) => ({ id: row.id, role: 'user' as const, sessionId: 'bench' }),
  );
  const creator = users.pop()!;
  const trading = app.get(TradingService);
  const created = await trading.createMarket(creator, {
    name: 'Settlement benchmark market',
    closesAt: new Date(Date.now() + 86_400_000),
    liquidity: '1000',
  });
  if (created.refusal) throw created.refusal;
  const market = created.body;

  const tradeStart = performance.now();
  let next = 0;
  const trader = async () => {
    while (next < users.length) {
      const i = next++;
      await trading.buy(users[i], {
        marketId: market.id,
        outcome: i % 3 === 0 ? 'NO' : 'YES',
        amount: `${1 + (i % 20)}.00`,
      });
    }
  };
  await Promise.all(Array.from({ length: 8 }, trader));
  const tradeSeconds = (performance.now() - tradeStart) / 1000;

  await app.get(ResolutionService).resolve({ ...creator, role: 'admin' }, market.id, 'YES');
  const settleStart = performance.now();
  await app.get(SettlementService).settle(market.id);
  const settleSeconds = (performance.now() - settleStart) / 1000;

  const check = await queryOne<{ collateral: string; settled: number; paid: number }>(
    db.manager,
    `SELECT m.collateral, (SELECT count(*)::int FROM positions WHERE market_id = m.id AND settled_at IS NOT NULL) AS settled,
            (SELECT count(*)::int FROM ledger_entries WHERE market_id = m.id AND kind = 'payout') AS paid
     FROM markets m WHERE m.id = $1`,
    [market.id],
  );
  console.log(
    JSON.stringify({
      positions,
      batchSize: config.settlement.batchSize,
      tradeSeconds: +tradeSeconds.toFixed(2),
      tradesPerSecond: Math.round(positions / tradeSeconds),
      settleSeconds: +settleSeconds.toFixed(2),
      positionsPerSecond: Math.round(positions / settleSeconds),
      ...check,
    }),
  );
  await app.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
