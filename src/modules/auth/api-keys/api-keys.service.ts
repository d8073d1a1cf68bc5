import { Injectable, Logger } from '@nestjs/common';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
} from '../../../common/errors/app-error';
import { AppConfig } from '../../../config/app-config';
import { TransactionRunner } from '../../../database/transaction-runner';
import { UserAuthorityService } from '../../users/user-authority.service';
import { AuthenticatedUser } from '../../../common/auth/authenticated-user';
import { ApiKeyScope, roleCoversScopes } from '../../../common/auth/permissions';
import {
  apiKeyHashingKey,
  apiKeyMatches,
  apiKeyPrefix,
  hashApiKey,
  newApiKey,
} from './api-key-secret';
import { ApiKeyRow, ApiKeysRepository, LAST_USED_PRECISION_SECONDS } from './api-keys.repository';

/** At most this many live (not revoked, not expired) keys per user. */
export const MAX_LIVE_API_KEYS = 20;
const INVALID_KEY = 'The API key is invalid, expired or revoked.';

/**
 * Creates, lists and revokes API keys, and authenticates requests made with one. A key is
 * judged afresh on every request, like an access token: revoked, expired, its owner gone or
 * demoted below its scopes → refused at once.
 */
@Injectable()
export class ApiKeysService {
  private readonly logger = new Logger(ApiKeysService.name);
  private readonly hashingKey: Buffer;
  /** Compared when no key has the presented prefix, so both failures take the same work. */
  private readonly dummyHash: string;

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly keys: ApiKeysRepository,
    private readonly authority: UserAuthorityService,
    config: AppConfig,
  ) {
    this.hashingKey = apiKeyHashingKey(config.auth.jwtSecret);
    this.dummyHash = hashApiKey(this.hashingKey, 'no such key');
  }

  async create(
    owner: AuthenticatedUser,
    input: { name: string; scopes: ApiKeyScope[]; expiresAt?: Date },
  ): Promise<ApiKeyRow & { key: string }> {
    const scopes = [...new Set(input.scopes)];
    if (!roleCoversScopes(owner.role, scopes)) {
      throw new ForbiddenError('Your role does not allow a key with these scopes.');
    }
    const secret = newApiKey(this.hashingKey);
    const row = await this.transactions.run(async (manager) => {
      if (!(await this.keys.lockOwner(manager, owner.id))) throw new UnauthorizedError();
      if ((await this.keys.countLive(manager, owner.id)) >= MAX_LIVE_API_KEYS) {
        throw new ConflictError(
          `At most ${MAX_LIVE_API_KEYS} live API keys per user; revoke one first.`,
        );
      }
      return this.keys.insert(manager, {
        userId: owner.id,
        name: input.name,
        prefix: secret.prefix,
        keyHash: secret.hash,
        scopes,
        expiresAt: input.expiresAt ?? null,
      });
    });
    return { ...row, key: secret.key };
  }

  list(ownerId: string): Promise<ApiKeyRow[]> {
    return this.keys.listForUser(ownerId, 100);
  }

  /** Another user's key id is a 404, as if it did not exist. */
  async revoke(ownerId: string, id: string): Promise<void> {
    if (!(await this.keys.revoke(ownerId, id))) throw new NotFoundError('API key', id);
  }

  async authenticate(key: string): Promise<AuthenticatedUser> {
    const prefix = apiKeyPrefix(key);
    if (!prefix) throw new UnauthorizedError(INVALID_KEY);
    const row = await this.keys.findByPrefix(prefix);
    const matches = apiKeyMatches(this.hashingKey, key, row?.keyHash ?? this.dummyHash);
    if (!row || !matches || row.revokedAt) throw new UnauthorizedError(INVALID_KEY);
    if (row.expiresAt && row.expiresAt.getTime() <= Date.now()) {
      throw new UnauthorizedError(INVALID_KEY);
    }
    const owner = await this.authority.current(row.userId);
    if (!owner) throw new UnauthorizedError(INVALID_KEY);
    if (!roleCoversScopes(owner.role, row.scopes)) {
      throw new UnauthorizedError("The key's scopes exceed what its owner's role now allows.");
    }
    this.recordUse(row);
    return { id: row.userId, role: owner.role, apiKey: { id: row.id, scopes: row.scopes } };
  }

  /** At most one write per key per minute; a failure to record a use never fails the request. */
  private recordUse(row: ApiKeyRow): void {
    const fresh =
      row.lastUsedAt && Date.now() - row.lastUsedAt.getTime() < LAST_USED_PRECISION_SECONDS * 1000;
    if (fresh) return;
    this.keys.touch(row.id).catch((error: Error) => {
      this.logger.warn({ err: error.message, apiKeyId: row.id }, 'could not record key use');
    });
  }
}
