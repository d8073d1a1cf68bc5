import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type Redis from 'ioredis';
import {
  FakeEmbeddingsServer,
  startFakeEmbeddingsServer,
} from '../../../../test/support/fake-embeddings-server';
import { testConfig, uniqueName } from '../../../../test/support/test-env';
import { AppConfigModule } from '../../../config/config.module';
import { MetricsModule } from '../../../metrics/metrics.module';
import { REDIS, RedisModule } from '../../../redis/redis.module';
import { DisabledEmbeddingsProvider } from './disabled-embeddings.provider';
import { EmbeddingsModule } from './embeddings.module';
import { EmbeddingsProvider } from './embeddings.provider';
import { LocalEmbeddingsProvider } from './local/local-embeddings.provider';
import { OpenAiEmbeddingsProvider } from './openai-embeddings.provider';
import { QueryEmbeddingCache, queryEmbeddingKey } from './query-embedding.cache';

async function compile(env: NodeJS.ProcessEnv) {
  const config = testConfig('unused', uniqueName('test'), env);
  const moduleRef = await Test.createTestingModule({
    imports: [AppConfigModule.register(config), RedisModule, MetricsModule, EmbeddingsModule],
  }).compile();
  moduleRef.enableShutdownHooks();
  return moduleRef;
}

describe('EmbeddingsModule', () => {
  let server: FakeEmbeddingsServer;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    server = await startFakeEmbeddingsServer({ dimensions: 24 });
  });

  afterAll(async () => {
    await server.close();
  });

  it('provides the built-in provider by default', async () => {
    const moduleRef = await compile({});
    try {
      const provider = moduleRef.get(EmbeddingsProvider);
      expect(provider).toBeInstanceOf(LocalEmbeddingsProvider);
      expect(provider).toMatchObject({ enabled: true, paid: false, kind: 'local' });
      expect(await provider.embedQuery('storm warning')).toHaveLength(100);
    } finally {
      await moduleRef.close();
    }
  });

  it('provides the disabled provider with EMBEDDINGS_PROVIDER=none', async () => {
    const moduleRef = await compile({ EMBEDDINGS_PROVIDER: 'none' });
    try {
      const provider = moduleRef.get(EmbeddingsProvider);
      expect(provider).toBeInstanceOf(DisabledEmbeddingsProvider);
      expect(provider.enabled).toBe(false);
    } finally {
      await moduleRef.close();
    }
  });

  it('provides the OpenAI-compatible client and the cache when it is set', async () => {
    const moduleRef = await compile({
      EMBEDDINGS_URL: server.url,
      EMBEDDINGS_MODEL: 'nomic-embed-text',
      EMBEDDINGS_DIMENSIONS: '24',
    });
    try {
      const provider = moduleRef.get(EmbeddingsProvider);
      expect(provider).toBeInstanceOf(OpenAiEmbeddingsProvider);
      expect(provider).toMatchObject({ paid: true, model: 'nomic-embed-text' });
      // The shared client has no offline queue: until it is connected the cache is skipped.
      const redis = moduleRef.get<Redis>(REDIS);
      await vi.waitFor(() => expect(redis.status).toBe('ready'));
      const vector = await moduleRef.get(QueryEmbeddingCache).embedQuery('storm warning');
      expect(vector).toHaveLength(24);
      expect(server.requests.bodies.at(-1)).toMatchObject({ model: 'nomic-embed-text' });

      // The cache wrote through the shared client (its prefix applied); leave nothing behind.
      const key = queryEmbeddingKey('nomic-embed-text', 24, 'storm warning');
      await vi.waitFor(async () => expect(await redis.exists(key)).toBe(1));
      await redis.del(key);
    } finally {
      await moduleRef.close();
    }
  });
});
