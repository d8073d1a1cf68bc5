import 'reflect-metadata';
import { SingleBar, Presets } from 'cli-progress';
import { parseArgs } from 'node:util';
import argon2 from 'argon2';
import { DataSource } from 'typeorm';
import { loadConfig, loadDotEnv } from '../config/app-config';
import { dataSourceOptions } from '../database/data-source-options';
import { ensureDatabase } from '../database/ensure-database';
import { queryRows } from '../database/sql';
import { TransactionRunner } from '../database/transaction-runner';

/**
 * `npm run seed -- --markets 200000 [--users 1000]`: fills the database with realistic,
 * money-consistent data for benchmarks and exploration. Each seed user is granted credits
 * (a `grant` ledger row); each market's subsidy is paid by its creator (a `subsidy` row),
 * exactly as the API would do it. Runs in SQL batches with a progress bar.
 */
const SEED_USAGE = `usage: npm run seed -- [--markets <n>] [--users <n>]

Fills the database named by DATABASE_URL (.env) with money-consistent demo data: users with
granted credits, markets whose subsidy their creator paid, and trades.

options:
  --markets <n>  markets to create (default 10000)
  --users <n>    users to create (default 1000)
  -h, --help     this text`;

const ENTITIES = [
  'the Zephyrian Senate',
  'Bitcoin',
  'Ethereum',
  'the Riverside Rovers',
  'the national football league',
  'the central bank',
  'the Northern Alliance',
  'the mayor of Port Aster',
  'the Andean Space Agency',
  'the Blue Party',
  'the hurricane season',
  'the city marathon',
  'the ballot initiative on housing',
  'the crypto exchange Tokenia',
  'the Helios rover',
  'the Ostrava Open',
  'the world chess final',
  'the summer monsoon',
  'the electric car tax credit',
  'the Lumen AI lab',
];
const EVENTS = [
  'pass the budget',
  'trade above 100000',
  'win the league',
  'cut interest rates',
  'hold an early election',
  'launch before winter',
  'see record rainfall',
  'approve the merger',
  'reach the final',
  'announce a recount',
  'break the attendance record',
  'ban the token',
  'land on schedule',
  'raise the minimum wage',
  'lose the vote',
];
const TOPICS = [
  'election vote ballot candidate',
  'bitcoin crypto blockchain token',
  'rain weather storm temperature',
  'football soccer league match goal',
  'economy inflation bank rates',
  'space rocket launch orbit',
];
const TAGS = ['politics', 'crypto', 'weather', 'sports', 'economy', 'science'];

const sqlArray = (items: string[]) =>
  `ARRAY[${items.map((i) => `'${i.replace(/'/g, "''")}'`).join(',')}]::text[]`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      markets: { type: 'string', default: '10000' },
      users: { type: 'string', default: '1000' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(SEED_USAGE);
    return;
  }
  const markets = Number(values.markets);
  const users = Number(values.users);
  if (!Number.isInteger(markets) || markets < 0 || !Number.isInteger(users) || users < 1) {
    console.error('usage: npm run seed -- --markets <n> [--users <n>]');
    process.exit(2);
  }
  loadDotEnv();
  const config = loadConfig();
  await ensureDatabase(config.database.url);
  const db = new DataSource(dataSourceOptions(config));
  await db.initialize();
  await db.runMigrations({ transaction: 'each' });

  const passwordHash = await argon2.hash('seed password 123', { type: argon2.argon2id });
  const run = Date.now().toString(36);
  const bar = new SingleBar(
    { format: 'seeding |{bar}| {percentage}% {value}/{total} {stage}' },
    Presets.shades_classic,
  );
  bar.start(users + markets, 0, { stage: 'users' });

  const transactions = TransactionRunner.standalone(db);
  await transactions.run(async (manager) => {
    await manager.query(
      `WITH created AS (
         INSERT INTO users (email, password_hash, display_name, balance)
         SELECT 'seed-' || $1 || '-' || g || '@example.com', $2, 'Seeder ' || g, 1000000
         FROM generate_series(1, $3) g
         RETURNING id, balance
       )
       INSERT INTO ledger_entries (user_id, kind, amount, balance_after, reason)
       SELECT id, 'grant', 1000000, balance, 'seed' FROM created`,
      [run, passwordHash, users],
    );
  });
  bar.update(users, { stage: 'markets' });

  const creatorRows = await queryRows<{ id: string }>(
    db.manager,
    `SELECT id FROM users WHERE email LIKE $1 ORDER BY email`,
    [`seed-${run}-%`],
  );
  const creators = creatorRows.map((row) => row.id);
  const batch = 5000;
  for (let start = 0; start < markets; start += batch) {
    const size = Math.min(batch, markets - start);
    await transactions.run(async (manager) => {
      // Names, texts and tags vary deterministically with g; created_at is spread over the
      // past so sorting by it is meaningful; subsidy is 100·ln 2 rounded up = 69.32.
      await manager.query(
        `WITH src AS (
           SELECT g, $2::uuid[] AS creators FROM generate_series($3::int, $3::int + $4::int - 1) g
         ), created AS (
           INSERT INTO markets (name, description, liquidity, subsidy, collateral, tags, creator_id, closes_at, created_at, updated_at)
           SELECT 'Will ' || (${sqlArray(ENTITIES)})[1 + g % ${ENTITIES.length}] || ' '
                    || (${sqlArray(EVENTS)})[1 + (g / ${ENTITIES.length}) % ${EVENTS.length}] || ' by ' || (2027 + g % 4) || ' (#' || g || ')?',
                  'Seeded market about ' || (${sqlArray(TOPICS)})[1 + g % ${TOPICS.length}] || '. Resolves YES if it happens as stated.',
                  100, 69.32, 69.32,
                  ARRAY[(${sqlArray(TAGS)})[1 + g % ${TAGS.length}]],
                  creators[1 + g % array_length(creators, 1)],
                  now() + make_interval(days => 1 + g % 365),
                  now() - make_interval(secs => ($1::int - g)),
                  now()
           FROM src
           RETURNING id, creator_id
         ), paid AS (
           SELECT creator_id, count(*) AS n FROM created GROUP BY creator_id
         ), debited AS (
           UPDATE users u SET balance = u.balance - 69.32 * paid.n FROM paid WHERE u.id = paid.creator_id
           RETURNING u.id, u.balance
         )
         INSERT INTO ledger_entries (user_id, kind, amount, balance_after, market_id)
         SELECT c.creator_id, 'subsidy', -69.32,
                d.balance + 69.32 * (count(*) OVER (PARTITION BY c.creator_id ORDER BY c.id
                  ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)),
                c.id
         FROM created c JOIN debited d ON d.id = c.creator_id`,
        [markets, creators, start, size],
      );
    });
    bar.update(users + start + size);
  }
  bar.update(users + markets, { stage: 'analyze' });
  await db.query('ANALYZE');
  bar.stop();
  await db.destroy();
  console.log(
    `Seeded ${users} users and ${markets} markets into ${new URL(config.database.url).pathname.slice(1)}.`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error && error.name === 'ConfigError' ? error.message : error);
  process.exit(1);
});
