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
import { Dec } from '../common/money/decimal';
import { multiSubsidyFor } from '../modules/markets/lmsr-n';
import { subsidyFor } from '../modules/markets/lmsr';

/**
 * `npm run seed -- --markets 200000 [--users 1000]`: fills the database with realistic,
 * money-consistent data for benchmarks and exploration. Each seed user is granted credits
 * (a `grant` ledger row); each market's subsidy is paid by its creator (a `subsidy` row),
 * exactly as the API would do it (b · ln N for N outcomes). About one market in five asks
 * "who wins?" with 3 to 12 outcomes; the rest are yes/no. Runs in SQL batches with a
 * progress bar.
 */
const SEED_USAGE = `usage: npm run seed -- [--markets <n>] [--users <n>]

Fills the database named by DATABASE_URL (.env) with money-consistent demo data: users with
granted credits, and markets (about 20 % with 3–12 outcomes) whose subsidy their creator paid.

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
/** Multi-outcome markets: "Who wins …?" with 3 to 12 of these as outcomes. */
const CONTESTS = [
  'the Zephyrian presidential election',
  'the Riverside derby',
  'the world chess final',
  'the Ostrava Open',
  'the city marathon',
  'the Lumen AI benchmark',
];
const CANDIDATES = [
  'Ada Lovelace',
  'Grace Hopper',
  'Alan Turing',
  'Katherine Johnson',
  'Edsger Dijkstra',
  'Barbara Liskov',
  'Donald Knuth',
  'Margaret Hamilton',
  'Claude Shannon',
  'Frances Allen',
  'John von Neumann',
  'Radia Perlman',
];
/** One market in MULTI_EVERY has 3 to 12 outcomes (about 20 %); the rest are binary. */
const MULTI_EVERY = 5;
const SEED_LIQUIDITY = '100';

const sqlArray = (items: string[]) =>
  `ARRAY[${items.map((i) => `'${i.replace(/'/g, "''")}'`).join(',')}]::text[]`;

/**
 * The subsidy of a seeded market with n outcomes, as a SQL array read at [n] (1-based, so
 * element n − 1 here; n = 1 never occurs).
 */
const SUBSIDIES = Array.from({ length: 12 }, (_, i) => {
  const n = i + 1;
  const b = new Dec(SEED_LIQUIDITY);
  return n < 2 ? '0' : n === 2 ? subsidyFor(b) : multiSubsidyFor(b, n);
});

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
      // past so sorting by it is meaningful. Every MULTI_EVERY-th market has n = 3 + (g /
      // MULTI_EVERY) % 10 outcomes with random 8-character ids (md5 hex fits the id format);
      // each market's subsidy is b · ln n rounded up, as the API charges it.
      await manager.query(
        `WITH src AS (
           SELECT g, $2::uuid[] AS creators,
                  CASE WHEN g % ${MULTI_EVERY} = 0 THEN 3 + (g / ${MULTI_EVERY}) % 10 ELSE 2 END AS n
           FROM generate_series($3::int, $3::int + $4::int - 1) g
         ), shaped AS (
           SELECT g, creators, n, ($5::numeric[])[n] AS subsidy,
                  CASE WHEN n = 2 THEN '{YES,NO}'::text[] ELSE
                    ARRAY(SELECT substr(md5(random()::text || g || '/' || i), 1, 8)
                          FROM generate_series(1, n) i ORDER BY i) END AS outcome_ids,
                  CASE WHEN n = 2 THEN '{Yes,No}'::text[] ELSE
                    ARRAY(SELECT (${sqlArray(CANDIDATES)})[1 + (g + i) % ${CANDIDATES.length}]
                          FROM generate_series(0, n - 1) i ORDER BY i) END AS outcome_labels
           FROM src
         ), created AS (
           INSERT INTO markets (name, description, liquidity, subsidy, collateral, tags, creator_id,
             closes_at, created_at, updated_at, outcome_ids, outcome_labels, outcome_q)
           SELECT CASE WHEN n = 2 THEN
                    'Will ' || (${sqlArray(ENTITIES)})[1 + g % ${ENTITIES.length}] || ' '
                    || (${sqlArray(EVENTS)})[1 + (g / ${ENTITIES.length}) % ${EVENTS.length}] || ' by ' || (2027 + g % 4) || ' (#' || g || ')?'
                  ELSE
                    'Who wins ' || (${sqlArray(CONTESTS)})[1 + g % ${CONTESTS.length}] || ' in ' || (2027 + g % 4) || ' (#' || g || ')?'
                  END,
                  'Seeded market about ' || (${sqlArray(TOPICS)})[1 + g % ${TOPICS.length}] || '. '
                    || CASE WHEN n = 2 THEN 'Resolves YES if it happens as stated.'
                       ELSE 'Resolves to the one outcome that wins.' END,
                  ${SEED_LIQUIDITY}, subsidy, subsidy,
                  ARRAY[(${sqlArray(TAGS)})[1 + g % ${TAGS.length}]],
                  creators[1 + g % array_length(creators, 1)],
                  now() + make_interval(days => 1 + g % 365),
                  now() - make_interval(secs => ($1::int - g)),
                  now(),
                  outcome_ids, outcome_labels, array_fill(0::numeric, ARRAY[n])
           FROM shaped
           -- An md5 prefix repeated within a market would be refused by no constraint but
           -- would make two outcomes one id: such a (vanishingly rare) market is skipped.
           WHERE (SELECT count(DISTINCT id) FROM unnest(outcome_ids) id) = n
           RETURNING id, creator_id, subsidy
         ), paid AS (
           SELECT creator_id, sum(subsidy) AS total FROM created GROUP BY creator_id
         ), debited AS (
           UPDATE users u SET balance = u.balance - paid.total FROM paid WHERE u.id = paid.creator_id
           RETURNING u.id, u.balance
         )
         INSERT INTO ledger_entries (user_id, kind, amount, balance_after, market_id)
         SELECT c.creator_id, 'subsidy', -c.subsidy,
                d.balance + coalesce(sum(c.subsidy) OVER (PARTITION BY c.creator_id ORDER BY c.id
                  ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING), 0),
                c.id
         FROM created c JOIN debited d ON d.id = c.creator_id`,
        [markets, creators, start, size, SUBSIDIES],
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
