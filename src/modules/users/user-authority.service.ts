import { Inject, Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { onceEvery } from '../../common/logging/once-every';
import { REDIS } from '../../redis/redis.module';
import { Role, ROLES } from './user.entity';
import { UserAuthorityRow, UsersRepository } from './users.repository';

/** How long a user's authority may be served from Redis; changes also delete it at once. */
export const AUTHORITY_CACHE_MS = 1000;
const DELETED = 'deleted';

const authorityKey = (userId: string) => `auth:authority:${userId}`;

/**
 * The current role and authority version of a user, read on every authenticated request.
 * Cached in Redis for at most a second and deleted on every change this process makes, so a
 * role change is seen by the very next request and a change made outside the API (SQL) within
 * a second. A Redis failure falls through to PostgreSQL: never a stale answer, never a 5xx
 * caused by the cache alone.
 */
@Injectable()
export class UserAuthorityService {
  private readonly logger = new Logger(UserAuthorityService.name);
  private readonly shouldWarn = onceEvery();

  constructor(
    private readonly users: UsersRepository,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  /** The user's authority now, or null when the account no longer exists. */
  async current(userId: string): Promise<UserAuthorityRow | null> {
    const cached = await this.redis.get(authorityKey(userId)).catch(this.warn);
    const parsed = cached ? parseCached(cached) : undefined;
    if (parsed !== undefined) return parsed;
    const row = await this.users.findAuthority(userId);
    const value = row ? `${row.role}:${row.authorityVersion}` : DELETED;
    await this.redis.set(authorityKey(userId), value, 'PX', AUTHORITY_CACHE_MS).catch(this.warn);
    return row;
  }

  /** Call after a committed change of role or account: the next request reads PostgreSQL. */
  async invalidate(userId: string): Promise<void> {
    await this.redis.del(authorityKey(userId)).catch(this.warn);
  }

  private readonly warn = (error: unknown): null => {
    if (this.shouldWarn()) {
      this.logger.warn(
        { err: (error as Error).message },
        'authority cache unavailable; using the database',
      );
    }
    return null;
  };
}

/** `role:version` or `deleted`; anything else (a foreign value) is treated as a miss. */
function parseCached(value: string): UserAuthorityRow | null | undefined {
  if (value === DELETED) return null;
  const [role, version] = value.split(':');
  const authorityVersion = Number(version);
  if (!ROLES.includes(role as Role) || !Number.isSafeInteger(authorityVersion)) return undefined;
  return { role: role as Role, authorityVersion };
}
