import { createServer } from 'node:net';
import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import {
  FakeEmbeddingsServer,
  startFakeEmbeddingsServer,
} from '../../../../test/support/fake-embeddings-server';
import { TEST_REDIS_URL, uniqueName } from '../../../../test/support/test-env';
import { MetricsService } from '../../../metrics/metrics.service';
import { DisabledEmbeddingsProvider } from './disabled-embeddings.provider';
import { EmbeddingsNotConfiguredError, EmbeddingsUnavailableError } from './embeddings.errors';
import {
  EmbeddingsPolicyOptions,
  OpenAiEmbeddingsOptions,
  OpenAiEmbeddingsProvider,
  retryAfterMs,
} from './openai-embeddings.provider';
import { QueryEmbeddingCache, queryEmbeddingKey } from './query-embedding.cache';

const MODEL = 'text-embedding-3-small';
const DIMENSIONS = 16;

/** Test policy: millisecond backoffs and a short half-open period, so the file runs fast. */
const FAST: Partial<EmbeddingsPolicyOptions> = {
  initialBackoffMs: 1,
  maxBackoffMs: 5,
  retryAfterCapMs: 20,
  halfOpenAfterMs: 200,
};

let server: FakeEmbeddingsServer;
let metrics: MetricsService;

function makeProvider(
  options: Partial<OpenAiEmbeddingsOptions> = {},
  policy: Partial<EmbeddingsPolicyOptions> = {},
): OpenAiEmbeddingsProvider {
  return new OpenAiEmbeddingsProvider(
    { url: server.url, model: MODEL, dimensions: DIMENSIONS, timeoutMs: 1_000, ...options },
    metrics,
    { ...FAST, ...policy },
  );
}

async function outcomes(): Promise<Record<string, number>> {
  const metric = await metrics.counter('embeddings_requests_total', '', ['outcome']).get();
  return Object.fromEntries(metric.values.map((v) => [String(v.labels.outcome), v.value]));
}

/** The rejection of `promise`, which must reject with an `EmbeddingsUnavailableError`. */
async function failure(promise: Promise<unknown>): Promise<EmbeddingsUnavailableError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EmbeddingsUnavailableError);
  return error as EmbeddingsUnavailableError;
}

const cosine = (a: number[], b: number[]) => a.reduce((sum, v, i) => sum + v * b[i], 0);

beforeAll(() => Logger.overrideLogger(false));

beforeEach(async () => {
  server = await startFakeEmbeddingsServer({ dimensions: DIMENSIONS });
  metrics = new MetricsService();
});

afterEach(async () => {
  await server.close();
});

describe('OpenAiEmbeddingsProvider', () => {
  it('posts the OpenAI request and orders the vectors by index', async () => {
    await server.close();
    server = await startFakeEmbeddingsServer({ apiKey: 'sk-test', outOfOrder: true });
    const provider = makeProvider({ apiKey: 'sk-test', url: `${server.url}/` });
    const texts = ['Will Bitcoin reach $100k?', 'Who wins the election?', 'Hurricane in May'];

    const vectors = await provider.embed(texts);

    expect(vectors).toEqual(server.embed(texts, DIMENSIONS));
    expect(server.requests.count).toBe(1);
    expect(server.requests.bodies[0]).toEqual({
      model: MODEL,
      input: texts,
      encoding_format: 'float',
      dimensions: DIMENSIONS,
    });
    expect(server.requests.headers[0]).toMatchObject({
      authorization: 'Bearer sk-test',
      'content-type': 'application/json',
    });
    expect(await outcomes()).toEqual({ ok: 1 });
  });

  it('sends no Authorization without a key and no dimensions when told not to', async () => {
    const provider = makeProvider({ sendDimensions: false });

    const vector = await provider.embedQuery('rain tomorrow');

    expect(vector).toEqual(server.embed(['rain tomorrow'])[0]);
    expect(server.requests.headers[0].authorization).toBeUndefined();
    expect(server.requests.bodies[0]).toEqual({
      model: MODEL,
      input: ['rain tomorrow'],
      encoding_format: 'float',
    });
  });

  it('splits large inputs into batches and keeps the order', async () => {
    const provider = makeProvider({}, { maxBatchSize: 2 });
    const texts = ['a vote', 'a storm', 'a goal', 'a rocket', 'a vaccine'];

    expect(await provider.embed(texts)).toEqual(server.embed(texts));
    expect(server.requests.bodies.map((b: any) => b.input)).toEqual([
      ['a vote', 'a storm'],
      ['a goal', 'a rocket'],
      ['a vaccine'],
    ]);
    expect(await provider.embed([])).toEqual([]);
    expect(server.requests.count).toBe(3);
  });

  it('retries a 429 after Retry-After, capped, then succeeds', async () => {
    // The server asks for 1 s; the cap of 150 ms wins, well above the 1-5 ms backoff.
    const provider = makeProvider({}, { retryAfterCapMs: 150 });
    server.failNext(2, 429, { retryAfterSeconds: 1 });

    const started = Date.now();
    const vector = await provider.embedQuery('bitcoin');
    const elapsed = Date.now() - started;

    expect(vector).toEqual(server.embed(['bitcoin'])[0]);
    expect(server.requests.count).toBe(3);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1_000);
    expect(await outcomes()).toEqual({ retry: 2, ok: 1 });
  });

  it('retries a 500 up to 3 times, then gives up', async () => {
    const provider = makeProvider();
    server.failNext(3, 500);
    expect(await provider.embedQuery('storm')).toHaveLength(DIMENSIONS);
    expect(server.requests.count).toBe(4);

    server.failNext(4, 500);
    const error = await failure(provider.embedQuery('storm'));
    expect(error).toMatchObject({ reason: 'server_error', status: 500 });
    expect(error.message).toContain('The server had an error');
    expect(server.requests.count).toBe(8);
    expect(await outcomes()).toEqual({ retry: 6, ok: 1, failure: 1 });
  });

  it('does not retry a 400 or a 401', async () => {
    const provider = makeProvider();
    const badInput = await failure(provider.embedQuery(''));
    expect(badInput).toMatchObject({ reason: 'rejected', status: 400, retryable: false });
    expect(badInput.message).toContain("'$.input' is invalid");
    expect(server.requests.count).toBe(1);

    await server.close();
    server = await startFakeEmbeddingsServer({ apiKey: 'sk-right' });
    const wrongKey = makeProvider({ apiKey: 'sk-wrong' });
    expect(await failure(wrongKey.embedQuery('vote'))).toMatchObject({ status: 401 });
    expect(server.requests.count).toBe(1);
  });

  it('times out a slow attempt and retries it', async () => {
    const provider = makeProvider({ timeoutMs: 100 }, { maxRetries: 1 });
    server.setDelay(2_000);

    const started = Date.now();
    const error = await failure(provider.embedQuery('snow'));

    expect(error.reason).toBe('timeout');
    expect(error.message).toContain('100 ms');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(server.requests.count).toBe(2);

    server.setDelay(0);
    expect(await provider.embedQuery('snow')).toHaveLength(DIMENSIONS);
  });

  it('opens the circuit after consecutive failures and closes it after a good trial', async () => {
    const provider = makeProvider({}, { breakerThreshold: 3, maxRetries: 1 });
    server.setDown(true);

    // Attempts 1-2 fail; attempt 3 opens the circuit and its retry is refused by it.
    expect(await failure(provider.embedQuery('vote'))).toMatchObject({ reason: 'server_error' });
    expect(await failure(provider.embedQuery('vote'))).toMatchObject({ reason: 'circuit_open' });
    expect(server.requests.count).toBe(3);

    // Open: fails at once, nothing reaches the server.
    const started = Date.now();
    expect(await failure(provider.embedQuery('vote'))).toMatchObject({ reason: 'circuit_open' });
    expect(Date.now() - started).toBeLessThan(50);
    expect(server.requests.count).toBe(3);

    // Half-open: one trial; it fails, so the circuit opens again.
    await new Promise((resolve) => setTimeout(resolve, 220));
    expect(await failure(provider.embedQuery('vote'))).toMatchObject({ reason: 'circuit_open' });
    expect(server.requests.count).toBe(4);

    // Provider back: the next trial succeeds and closes the circuit.
    server.setDown(false);
    await new Promise((resolve) => setTimeout(resolve, 220));
    expect(await provider.embedQuery('vote')).toHaveLength(DIMENSIONS);
    expect(await provider.embedQuery('ballot')).toHaveLength(DIMENSIONS);
    expect(server.requests.count).toBe(6);
    expect(await outcomes()).toMatchObject({ failure: 1, circuit_open: 3, ok: 2 });
  });

  it('learns the size a provider answers, even when it ignores the dimensions asked for', async () => {
    const provider = makeProvider({ dimensions: 32, sendDimensions: false });
    expect(provider.learntDimensions).toBeNull();

    expect(await provider.embedQuery('goal')).toHaveLength(DIMENSIONS);

    expect(provider.learntDimensions).toBe(DIMENSIONS);
    expect(provider.health()).toMatchObject({ status: 'ok' });
    expect(server.requests.count).toBe(1);
  });

  it('asks for no size when EMBEDDINGS_DIMENSIONS is unset', async () => {
    const provider = makeProvider({ dimensions: undefined });
    expect(await provider.embedQuery('goal')).toHaveLength(DIMENSIONS);
    expect(server.requests.bodies.at(-1)).not.toHaveProperty('dimensions');
  });

  it('fails as unavailable when nothing listens', async () => {
    await server.close();
    const provider = makeProvider({}, { maxRetries: 1 });
    expect(await failure(provider.embedQuery('vote'))).toMatchObject({ reason: 'network' });
    server = await startFakeEmbeddingsServer({ dimensions: DIMENSIONS });
  });
});

describe('retryAfterMs', () => {
  const headers = (init: Record<string, string>) => new Headers(init);

  it('reads retry-after-ms, seconds and HTTP dates', () => {
    expect(retryAfterMs(headers({ 'retry-after-ms': '250' }))).toBe(250);
    expect(retryAfterMs(headers({ 'retry-after': '2' }))).toBe(2_000);
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(retryAfterMs(headers({ 'retry-after': 'Tue, 01 Jan 2030 00:00:03 GMT' }), now)).toBe(
      3_000,
    );
    expect(retryAfterMs(headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(retryAfterMs(headers({}))).toBeUndefined();
  });
});

describe('DisabledEmbeddingsProvider', () => {
  it('is disabled and says semantic search is not configured', async () => {
    const provider = new DisabledEmbeddingsProvider();
    expect(provider.enabled).toBe(false);
    const error = await failure(provider.embedQuery('vote'));
    expect(error).toBeInstanceOf(EmbeddingsNotConfiguredError);
    expect(error.reason).toBe('not_configured');
    await expect(provider.embed(['vote'])).rejects.toThrow(/EMBEDDINGS_PROVIDER=none/);
  });
});

describe('QueryEmbeddingCache', () => {
  async function closedPort(): Promise<number> {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));
    return port;
  }

  async function lookups(): Promise<Record<string, number>> {
    const metric = await metrics.counter('embeddings_query_cache_total', '', ['result']).get();
    return Object.fromEntries(metric.values.map((v) => [String(v.labels.result), v.value]));
  }

  it('serves a repeated query from Redis without calling the provider', async () => {
    const prefix = uniqueName('test');
    const redis = new Redis(TEST_REDIS_URL, { keyPrefix: `${prefix}:`, maxRetriesPerRequest: 1 });
    const key = queryEmbeddingKey(MODEL, DIMENSIONS, 'Will it rain in Paris?');
    try {
      const cache = new QueryEmbeddingCache(redis, makeProvider(), metrics);
      expect(key).toMatch(new RegExp(`^search:qemb:${MODEL}:${DIMENSIONS}:[0-9a-f]{64}$`));

      const first = await cache.embedQuery('Will it rain in Paris?');
      await vi.waitFor(async () => expect(await redis.exists(key)).toBe(1));
      const second = await cache.embedQuery('Will it rain in Paris?');

      expect(server.requests.count).toBe(1);
      expect(second).toEqual(first);
      const expected = server.embed(['Will it rain in Paris?'])[0];
      first.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
      expect(await redis.ttl(key)).toBeGreaterThan(24 * 3600 - 10);
      expect((await redis.getBuffer(key))?.length).toBe(DIMENSIONS * 4);
      expect(await lookups()).toEqual({ miss: 1, hit: 1 });
    } finally {
      await redis.del(key); // the client adds the prefix
      redis.disconnect();
    }
  });

  it('embeds the query when Redis is down', async () => {
    const redis = new Redis(`redis://127.0.0.1:${await closedPort()}`, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: () => 1_000,
    });
    redis.on('error', () => undefined);
    try {
      const cache = new QueryEmbeddingCache(redis, makeProvider(), metrics);

      expect(await cache.embedQuery('bitcoin price')).toHaveLength(DIMENSIONS);
      expect(await cache.embedQuery('bitcoin price')).toHaveLength(DIMENSIONS);

      expect(server.requests.count).toBe(2);
      expect(await lookups()).toEqual({ error: 2 });
    } finally {
      redis.disconnect();
    }
  });

  it('passes the not-configured error through without touching Redis', async () => {
    const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true });
    const cache = new QueryEmbeddingCache(redis, new DisabledEmbeddingsProvider(), metrics);
    await expect(cache.embedQuery('vote')).rejects.toBeInstanceOf(EmbeddingsNotConfiguredError);
    expect(redis.status).toBe('wait');
  });
});

describe('fake embeddings server', () => {
  it('puts related words near each other', () => {
    const [bitcoin, ethereum, election, ballot] = server.embed([
      'Will bitcoin hit a new high?',
      'Will ethereum hit a new high?',
      'Who wins the presidential election?',
      'ballot count',
    ]);
    expect(cosine(bitcoin, ethereum)).toBeGreaterThan(cosine(bitcoin, election));
    expect(cosine(election, ballot)).toBeGreaterThan(cosine(election, bitcoin));
    expect(cosine(bitcoin, bitcoin)).toBeCloseTo(1, 10);
  });

  it('answers bad requests like OpenAI', async () => {
    const post = (body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${server.url}/embeddings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });

    const missingModel = await post({ input: 'x' });
    expect(missingModel.status).toBe(400);
    expect(await missingModel.json()).toEqual({
      error: {
        message: 'You must provide a model parameter.',
        type: 'invalid_request_error',
        param: 'model',
        code: null,
      },
    });
    expect((await post({ model: MODEL, input: [1, 2] })).status).toBe(400);
    expect((await post({ model: MODEL, input: 'x', extra: 1 })).status).toBe(400);

    const single = await post({ model: MODEL, input: 'one text' });
    expect(await single.json()).toMatchObject({
      object: 'list',
      data: [{ object: 'embedding', index: 0 }],
      model: MODEL,
      usage: { prompt_tokens: 2, total_tokens: 2 },
    });

    await server.close();
    server = await startFakeEmbeddingsServer({ apiKey: 'sk-test' });
    const noKey = await post({ model: MODEL, input: 'x' });
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
    expect(
      (await post({ model: MODEL, input: 'x' }, { authorization: 'Bearer sk-test' })).status,
    ).toBe(200);
  });
});
