import { setTimeout as sleep } from 'node:timers/promises';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { LOCAL_EMBEDDINGS_MODEL } from '../src/modules/search/embeddings/local/local-embeddings.provider';
import { SearchIndexBootstrap } from '../src/modules/search/search-index.bootstrap';
import { SEARCH_INDEX_QUEUE } from '../src/modules/search/search-index.jobs';
import { HnswVectorIndex } from '../src/modules/search/vectors/hnsw-vector-index';
import { insertMarket, TestMarket } from './factories/markets';
import { registerUser } from './factories/users';
import { FakeEmbeddingsServer, startFakeEmbeddingsServer } from './support/fake-embeddings-server';
import { sql } from './support/sql';
import { createTestApp, TestApp } from './support/test-app';

/** Provider switch, learnt vector size, model change, restart and spending guards (issue 21). */

async function search(t: TestApp, query: Record<string, string>) {
  const qs = new URLSearchParams(query).toString();
  return t.request({ method: 'GET', url: `/api/search/markets?${qs}` });
}

async function results(t: TestApp, query: Record<string, string>): Promise<any[]> {
  const res = await search(t, query);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data;
}

/** Runs what a worker runs at start (a reindex when vectors of the model are missing) and waits. */
async function reindexAtStart(t: TestApp): Promise<void> {
  const jobId = await t.app.get(SearchIndexBootstrap).reindexIfNeeded();
  if (jobId === null) return;
  const queue = t.app.get<Queue>(getQueueToken(SEARCH_INDEX_QUEUE));
  await vi.waitFor(
    async () => expect(await (await queue.getJob(jobId))?.getState()).toBe('completed'),
    { timeout: 30_000, interval: 50 },
  );
}

async function embeddingRows(t: TestApp) {
  return sql(t, `SELECT model, dimensions FROM market_embeddings ORDER BY market_id`);
}

describe('the built-in provider (no setting changed)', () => {
  let t: TestApp;
  let treaty: TestMarket;
  let football: TestMarket;

  beforeAll(async () => {
    t = await createTestApp();
    const creator = await registerUser(t);
    treaty = await insertMarket(t, {
      name: 'Will the senate ratify the climate treaty before July?',
      description: 'Resolves YES on a ratification vote.',
      creatorId: creator.id,
    });
    football = await insertMarket(t, {
      name: 'Will the football club win the championship?',
      description: 'Resolves YES if the club finishes first.',
      creatorId: creator.id,
    });
    for (let i = 0; i < 20; i++) {
      await insertMarket(t, {
        name: `Will it rain in town number ${i} tomorrow?`,
        creatorId: creator.id,
      });
    }
    await reindexAtStart(t);
  }, 60_000);

  afterAll(() => t?.close());

  it('answers a paraphrase that shares no word with the market, semantically', async () => {
    const legislature = await results(t, { q: 'legislature approves agreement' });
    expect(legislature[0]).toMatchObject({ id: treaty.id, matchedBy: ['semantic'] });
    const soccer = await results(t, { q: 'soccer team takes the title' });
    expect(soccer[0]).toMatchObject({ id: football.id, matchedBy: ['semantic'] });
  });

  it('stores vectors with the model and the size the provider gave (100)', async () => {
    const rows = await embeddingRows(t);
    expect(rows).toHaveLength(22);
    for (const row of rows) expect(row).toEqual({ model: LOCAL_EMBEDDINGS_MODEL, dimensions: 100 });
  });

  it('says in readiness which provider answers and how big the index is', async () => {
    const ready = await t.request({ method: 'GET', url: '/api/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().data.info.search).toMatchObject({
      status: 'up',
      embeddings: { provider: 'local', status: 'ok', model: LOCAL_EMBEDDINGS_MODEL },
      vectorIndex: { ready: true, markets: 22 },
    });
  });

  it('survives a restart: a new instance rebuilds its index from PostgreSQL and answers at once', async () => {
    const restarted = await createTestApp({ database: t.database });
    try {
      await restarted.app.get(HnswVectorIndex).whenLoaded();
      expect(restarted.app.get(HnswVectorIndex).count).toBe(22);
      const found = await results(restarted, {
        q: 'legislature approves agreement',
        mode: 'semantic',
      });
      expect(found[0].id).toBe(treaty.id);
      // Nothing was re-embedded: the vectors came from the table.
      expect(await restarted.app.get(SearchIndexBootstrap).reindexIfNeeded()).toBeNull();
    } finally {
      await restarted.close();
    }
  });

  it('re-embeds in the background after a model change, never mixing the two models', async () => {
    const fake = await startFakeEmbeddingsServer();
    const env = {
      EMBEDDINGS_PROVIDER: 'openai',
      EMBEDDINGS_URL: fake.url,
      EMBEDDINGS_MODEL: 'fake-384',
    };
    // An API instance on the new model while no worker has re-embedded yet: the old model's
    // vectors are not compared with the new model's queries, and hybrid still answers.
    const api = await createTestApp({ database: t.database, env: { ...env, APP_ROLE: 'api' } });
    try {
      const before = await results(api, { q: 'climate treaty' });
      expect(before[0]).toMatchObject({ id: treaty.id, matchedBy: ['keyword'] });
      expect(await results(api, { q: 'climate treaty', mode: 'semantic' })).toEqual([]);
    } finally {
      await api.close();
    }
    // A worker on the new model re-embeds at start, in the background.
    const switched = await createTestApp({ database: t.database, env });
    try {
      await reindexAtStart(switched);
      const rows = await embeddingRows(switched);
      expect(rows).toHaveLength(22);
      for (const row of rows) expect(row).toEqual({ model: 'fake-384', dimensions: 384 });
      const after = await results(switched, { q: 'senate ratify climate treaty' });
      expect(after[0]).toMatchObject({ id: treaty.id, matchedBy: ['keyword', 'semantic'] });
    } finally {
      await switched.close();
      await fake.close();
    }
  });
});

describe('an OpenAI-compatible provider that ignores `dimensions`', () => {
  let fake: FakeEmbeddingsServer;
  let t: TestApp;

  beforeAll(async () => {
    // Asked for 384, answers 256: many local servers do.
    fake = await startFakeEmbeddingsServer({ dimensions: 256, ignoreRequestedDimensions: true });
    t = await createTestApp({
      env: {
        EMBEDDINGS_URL: fake.url,
        EMBEDDINGS_MODEL: 'small-256',
        EMBEDDINGS_DIMENSIONS: '384',
      },
    });
  });

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('learns the size it answers: jobs succeed, vectors are stored as 256, search is semantic', async () => {
    const creator = await registerUser(t);
    const election = await insertMarket(t, {
      name: 'Who wins the presidential election?',
      creatorId: creator.id,
    });
    await reindexAtStart(t);
    expect(fake.requests.bodies.at(-1)).toMatchObject({ dimensions: 384 });
    expect(await embeddingRows(t)).toEqual([{ model: 'small-256', dimensions: 256 }]);
    const found = await results(t, { q: 'vote ballot', mode: 'semantic' });
    expect(found[0].id).toBe(election.id);
  });
});

describe('spending guards for a paid provider', () => {
  let fake: FakeEmbeddingsServer;
  let t: TestApp;

  beforeAll(async () => {
    fake = await startFakeEmbeddingsServer();
    t = await createTestApp({ env: { EMBEDDINGS_URL: fake.url, EMBEDDINGS_MODEL: 'fake-384' } });
    const creator = await registerUser(t);
    await insertMarket(t, { name: 'Will the ferry resume service?', creatorId: creator.id });
  });

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('limits the provider calls one client can cause; cached queries cost nothing', async () => {
    // The guard counts per fixed 60 s window, aligned to the epoch (query-embedding.cache.ts):
    // start where the 33 requests below cannot straddle two windows (then the 31st passes).
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 15_000) await sleep(left + 100);
    const before = fake.requests.count;
    for (let i = 0; i < 30; i++) {
      expect((await search(t, { q: `ferry question ${i}`, mode: 'semantic' })).statusCode).toBe(
        200,
      );
    }
    expect(fake.requests.count - before).toBe(30);

    // The 31st new query in the window: no provider call; semantic says 429, hybrid falls back.
    const limited = await search(t, { q: 'ferry question 31', mode: 'semantic' });
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('RATE_LIMITED');
    const hybrid = await results(t, { q: 'ferry' });
    expect(hybrid[0].matchedBy).toEqual(['keyword']);
    expect(fake.requests.count - before).toBe(30);

    // A query already embedded comes from the cache: allowed, and still no call.
    expect((await search(t, { q: 'ferry question 3', mode: 'semantic' })).statusCode).toBe(200);
    expect(fake.requests.count - before).toBe(30);
    const metrics = (await t.request({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/^search_fallbacks_total\{reason="client_limit"\} 1$/m);
  });
});
