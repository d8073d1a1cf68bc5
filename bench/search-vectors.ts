/**
 * Semantic search cost: the SQL cosine scan against the in-process index, on N markets with
 * random 384-dimensional unit vectors, plus the keyword query on the same table.
 *
 *   npm run build && node dist/bench/search-vectors.js [markets ...]   (default 10000)
 *
 * Works on a scratch database of its own (created, migrated, dropped) on the server of
 * BENCH_DATABASE_SERVER_URL (default postgres://postgres@127.0.0.1:5432). Numbers of this
 * machine are in docs/search.md.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { loadConfig } from '../src/config/app-config';
import { dataSourceOptions } from '../src/database/data-source-options';
import { TransactionRunner } from '../src/database/transaction-runner';
import { MetricsService } from '../src/metrics/metrics.service';
import { OpenAiEmbeddingsProvider } from '../src/modules/search/embeddings/openai-embeddings.provider';
import { MarketEmbeddingsRepository } from '../src/modules/search/market-embeddings.repository';
import {
  CANDIDATES_PER_LIST,
  KEYWORD_SCORED_MATCHES,
  NAME_SIMILARITY_WEIGHT,
  TRIGRAM_THRESHOLD,
} from '../src/modules/search/search-ranking';
import { SearchRepository } from '../src/modules/search/search.repository';
import { HnswVectorIndex } from '../src/modules/search/vectors/hnsw-vector-index';
import { SqlVectorIndex } from '../src/modules/search/vectors/sql-vector-index';
import { normalize } from '../src/modules/search/vectors/vector-math';

const SERVER = process.env.BENCH_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432';
const DIMENSIONS = 384;
const MODEL = 'bench-model';
const RUNS = 15;
const WORDS = [
  'election',
  'bitcoin',
  'hurricane',
  'football',
  'inflation',
  'rocket',
  'vaccine',
  'chip',
  'senate',
  'ethereum',
  'storm',
  'league',
  'recession',
  'orbit',
  'virus',
  'software',
];

interface Stats {
  p50: number;
  p95: number;
  min: number;
}

async function time(runs: number, run: () => Promise<unknown>): Promise<Stats> {
  await run(); // warm-up: caches, JIT
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    await run();
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
  return { p50: at(0.5), p95: at(0.95), min: samples[0] };
}

const ms = (s: Stats) => `p50 ${s.p50.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms`;

function randomUnitVector(): Float32Array {
  return normalize(Array.from({ length: DIMENSIONS }, () => Math.random() - 0.5));
}

async function seed(db: DataSource, markets: number): Promise<void> {
  const [{ id: creatorId }] = await db.query<Array<{ id: string }>>(
    `INSERT INTO users (email, password_hash, display_name, role)
     VALUES ('bench@example.com', 'x', 'Bench', 'user') RETURNING id`,
  );
  const words = `ARRAY[${WORDS.map((w) => `'${w}'`).join(',')}]`;
  await db.query(
    `INSERT INTO markets (name, description, tags, creator_id, liquidity, subsidy, collateral, closes_at)
     SELECT 'Will the ' || (${words})[1 + g % 16] || ' question number ' || g || ' resolve YES?',
            'Bench market about ' || (${words})[1 + (g / 16) % 16] || ' and ' || (${words})[1 + (g / 256) % 16],
            ARRAY[(${words})[1 + g % 16]], $1, 100, 69.31, 69.31, now() + interval '30 days'
     FROM generate_series(1, $2) AS g`,
    [creatorId, markets],
  );
  // Random unit vectors, written in SQL (random() per entry, normalised per row).
  await db.query(
    `INSERT INTO market_embeddings (market_id, model, dimensions, content_hash, embedding)
     SELECT m.id, $1, $2, 'bench', v.embedding
     FROM markets m
     CROSS JOIN LATERAL (
       SELECT array_agg(x / length)::real[] AS embedding
       FROM (
         SELECT x, sqrt(sum(x * x) OVER ()) AS length
         -- The reference to m makes the subquery correlated: new numbers for every market.
         FROM (SELECT random() - 0.5 AS x FROM generate_series(1, $2) WHERE m.id IS NOT NULL) r
       ) s
     ) v`,
    [MODEL, DIMENSIONS],
  );
  await db.query(`VACUUM ANALYZE markets`);
  await db.query(`VACUUM ANALYZE market_embeddings`);
}

async function benchmark(markets: number): Promise<void> {
  const database = `search_bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: `${SERVER}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: `${SERVER}/${database}`,
    EMBEDDINGS_MODEL: MODEL,
    EMBEDDINGS_DIMENSIONS: String(DIMENSIONS),
    LOG_LEVEL: 'silent',
  });
  const db = new DataSource(dataSourceOptions(config));
  try {
    await db.initialize();
    await db.runMigrations({ transaction: 'each' });
    const seeding = Date.now();
    await seed(db, markets);
    const [{ size }] = await db.query<Array<{ size: string }>>(
      `SELECT pg_size_pretty(pg_total_relation_size('market_embeddings')) AS size`,
    );
    const [{ workers }] = await db.query<Array<{ workers: string }>>(
      `SELECT current_setting('max_parallel_workers_per_gather') AS workers`,
    );
    console.log(
      `\n${markets} markets × ${DIMENSIONS} dims (seeded in ${((Date.now() - seeding) / 1000).toFixed(1)} s; ` +
        `market_embeddings ${size}; max_parallel_workers_per_gather ${workers})`,
    );

    const embeddings = new MarketEmbeddingsRepository(db);
    // Never called: it only names the model whose vectors the indexes read.
    const provider = new OpenAiEmbeddingsProvider(
      { url: 'http://127.0.0.1:9', model: MODEL, timeoutMs: 1_000 },
      new MetricsService(),
    );
    const sqlIndex = new SqlVectorIndex(embeddings, provider);
    const memoryIndex = new HnswVectorIndex(embeddings, provider, config, new MetricsService());
    const options = { limit: 500, minSimilarity: -1 };

    const scan = await time(Math.max(3, Math.round(RUNS / (markets / 10_000))), () =>
      sqlIndex.nearest(randomUnitVector(), options),
    );
    console.log(`  SQL cosine scan (search_dot, top 500):     ${ms(scan)}`);
    // The same scan on one core: what each query costs when parallel workers are busy.
    const runner = db.createQueryRunner();
    try {
      await runner.query(`SET max_parallel_workers_per_gather = 0`);
      const serial = new SqlVectorIndex(
        new MarketEmbeddingsRepository({ manager: runner.manager } as DataSource),
        provider,
      );
      const serialScan = await time(Math.max(3, Math.round(RUNS / (markets / 10_000))), () =>
        serial.nearest(randomUnitVector(), options),
      );
      console.log(`  SQL cosine scan, no parallel workers:      ${ms(serialScan)}`);
    } finally {
      await runner.release();
    }

    const loadStarted = Date.now();
    await memoryIndex.whenLoaded();
    console.log(
      `  HNSW index, first load (build):            ${Date.now() - loadStarted} ms (${memoryIndex.count} vectors)`,
    );
    const memory = await time(RUNS * 4, () => memoryIndex.nearest(randomUnitVector(), options));
    console.log(`  HNSW index query (incl. delta pull):       ${ms(memory)}`);
    const pull = await time(RUNS * 4, () => memoryIndex.sync());
    console.log(`  delta pull alone (no changes):             ${ms(pull)}`);

    const search = new SearchRepository(db, TransactionRunner.standalone(db));
    for (const query of ['bitcon', 'zephirian council', 'bitcon question']) {
      const keyword = await time(RUNS * 2, () =>
        search.keywordMatches({
          query,
          status: null,
          limit: CANDIDATES_PER_LIST,
          trigramThreshold: TRIGRAM_THRESHOLD,
          nameWeight: NAME_SIMILARITY_WEIGHT,
          scoredMatchLimit: KEYWORD_SCORED_MATCHES,
        }),
      );
      console.log(`  keyword query ${JSON.stringify(query).padEnd(28)} ${ms(keyword)}`);
    }
  } finally {
    if (db.isInitialized) await db.destroy();
    if (process.env.BENCH_KEEP_DATABASE === 'true') console.log(`  kept database ${database}`);
    else await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
  }
}

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).map(Number);
  for (const markets of sizes.length > 0 ? sizes : [10_000]) {
    if (!Number.isInteger(markets) || markets < 1) throw new Error(`not a size: ${markets}`);
    await benchmark(markets);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
