import { Logger, Module } from '@nestjs/common';
import type Redis from 'ioredis';
import { AppConfig } from '../../../config/app-config';
import { MetricsService } from '../../../metrics/metrics.service';
import { REDIS } from '../../../redis/redis.module';
import { DisabledEmbeddingsProvider } from './disabled-embeddings.provider';
import { EmbeddingsProvider } from './embeddings.provider';
import { OpenAiEmbeddingsProvider } from './openai-embeddings.provider';
import { QueryEmbeddingCache } from './query-embedding.cache';

/** The OpenAI-compatible client when `EMBEDDINGS_URL` is set, else the disabled provider. */
export function createEmbeddingsProvider(
  config: AppConfig,
  metrics: MetricsService,
): EmbeddingsProvider {
  const { url, model, apiKey, dimensions, timeoutMs, sendDimensions } = config.embeddings;
  const logger = new Logger('EmbeddingsModule');
  if (!url) {
    logger.log('EMBEDDINGS_URL is not set: semantic search is disabled');
    return new DisabledEmbeddingsProvider(dimensions);
  }
  logger.log({ model, dimensions }, 'semantic search enabled');
  return new OpenAiEmbeddingsProvider(
    { url, model, apiKey, dimensions, timeoutMs, sendDimensions },
    metrics,
  );
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
      inject: [REDIS, EmbeddingsProvider, MetricsService, AppConfig],
      useFactory: (
        redis: Redis,
        provider: EmbeddingsProvider,
        metrics: MetricsService,
        config: AppConfig,
      ) => new QueryEmbeddingCache(redis, provider, metrics, { model: config.embeddings.model }),
    },
  ],
  exports: [EmbeddingsProvider, QueryEmbeddingCache],
})
export class EmbeddingsModule {}
