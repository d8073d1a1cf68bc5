import { Logger, Module } from '@nestjs/common';
import type Redis from 'ioredis';
import { AppConfig } from '../../../config/app-config';
import { MetricsService } from '../../../metrics/metrics.service';
import { REDIS } from '../../../redis/redis.module';
import { DisabledEmbeddingsProvider } from './disabled-embeddings.provider';
import { EmbeddingsProvider } from './embeddings.provider';
import { LocalEmbeddingsProvider } from './local/local-embeddings.provider';
import { OpenAiEmbeddingsProvider } from './openai-embeddings.provider';
import { QueryEmbeddingCache } from './query-embedding.cache';

/** The provider `EMBEDDINGS_PROVIDER` names: built-in word vectors (default), OpenAI-compatible, or none. */
export function createEmbeddingsProvider(
  config: AppConfig,
  metrics: MetricsService,
): EmbeddingsProvider {
  const { provider, url, model, apiKey, dimensions, timeoutMs, sendDimensions } = config.embeddings;
  const logger = new Logger('EmbeddingsModule');
  switch (provider) {
    case 'none':
      logger.log('EMBEDDINGS_PROVIDER=none: semantic search is disabled');
      return new DisabledEmbeddingsProvider();
    case 'local':
      logger.log('semantic search enabled: built-in embeddings (EMBEDDINGS_PROVIDER=local)');
      return new LocalEmbeddingsProvider();
    case 'openai':
      logger.log({ model, url }, 'semantic search enabled: OpenAI-compatible provider');
      return new OpenAiEmbeddingsProvider(
        { url: url!, model, apiKey, dimensions, timeoutMs, sendDimensions },
        metrics,
      );
  }
}

/**
 * Embeddings for semantic search. Needs the global `AppConfig`, `MetricsService` and
 * `REDIS` providers (core imports of every process).
 */
@Module({
  providers: [
    {
      provide: EmbeddingsProvider,
      inject: [AppConfig, MetricsService],
      useFactory: createEmbeddingsProvider,
    },
    {
      provide: QueryEmbeddingCache,
      inject: [REDIS, EmbeddingsProvider, MetricsService],
      useFactory: (redis: Redis, provider: EmbeddingsProvider, metrics: MetricsService) =>
        new QueryEmbeddingCache(redis, provider, metrics),
    },
  ],
  exports: [EmbeddingsProvider, QueryEmbeddingCache],
})
export class EmbeddingsModule {}
