import { Inject, Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { AppConfig } from '../../config/app-config';
import { REDIS } from '../../redis/redis.module';

const revokedKey = (sessionId: string) => `auth:revoked-session:${sessionId}`;

/**
 * Access tokens of a revoked session (logout, refresh reuse) stop working at once: the
 * session id is kept in Redis for as long as such a token can live. If Redis cannot answer,
 * a revoked token keeps working until it expires (≤ JWT_ACCESS_TTL_SECONDS): documented.
 */
@Injectable()
export class SessionRevocations {
  private readonly logger = new Logger(SessionRevocations.name);

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  async revoke(sessionId: string): Promise<void> {
    try {
      await this.redis.set(revokedKey(sessionId), '1', 'EX', this.config.auth.accessTtlSeconds);
    } catch (error) {
      this.logger.warn(
        { err: (error as Error).message, sessionId },
        'could not record revoked session',
      );
    }
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    try {
      return (await this.redis.exists(revokedKey(sessionId))) === 1;
    } catch {
      return false;
    }
  }
}
