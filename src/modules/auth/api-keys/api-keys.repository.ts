import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { queryOne, queryRows } from '../../../database/sql';
import { ApiKeyScope } from '../../../common/auth/permissions';

export interface ApiKeyRow {
  id: string;
  userId: string;
  name: string;
  prefix: string;
  scopes: ApiKeyScope[];
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

export interface ApiKeyCredentialsRow extends ApiKeyRow {
  keyHash: string;
}

const KEY_COLUMNS = `id, user_id AS "userId", name, prefix, scopes, expires_at AS "expiresAt",
  last_used_at AS "lastUsedAt", revoked_at AS "revokedAt", created_at AS "createdAt"`;

/** lastUsedAt is written at most once a minute per key, not on every request. */
export const LAST_USED_PRECISION_SECONDS = 60;

@Injectable()
export class ApiKeysRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Locks the owner's row, so two concurrent creations cannot both pass the live-key count. */
  async lockOwner(manager: EntityManager, userId: string): Promise<boolean> {
    const rows = await queryRows(manager, `SELECT id FROM users WHERE id = $1 FOR UPDATE`, [
      userId,
    ]);
    return rows.length === 1;
  }

  async countLive(manager: EntityManager, userId: string): Promise<number> {
    const row = await queryOne<{ n: number }>(
      manager,
      `SELECT count(*)::int AS n FROM api_keys
       WHERE user_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
      [userId],
    );
    return row!.n;
  }

  async insert(
    manager: EntityManager,
    key: {
      userId: string;
      name: string;
      prefix: string;
      keyHash: string;
      scopes: ApiKeyScope[];
      expiresAt: Date | null;
    },
  ): Promise<ApiKeyRow> {
    const row = await queryOne<ApiKeyRow>(
      manager,
      `INSERT INTO api_keys (user_id, name, prefix, key_hash, scopes, expires_at)
       VALUES ($1, $2, $3, $4, $5::text[], $6) RETURNING ${KEY_COLUMNS}`,
      [key.userId, key.name, key.prefix, key.keyHash, key.scopes, key.expiresAt],
    );
    return row!;
  }

  /** The caller's keys that are not revoked, newest first (expired ones included, marked). */
  listForUser(userId: string, limit: number): Promise<ApiKeyRow[]> {
    return queryRows<ApiKeyRow>(
      this.db.manager,
      `SELECT ${KEY_COLUMNS} FROM api_keys WHERE user_id = $1 AND revoked_at IS NULL
       ORDER BY created_at DESC, id DESC LIMIT $2`,
      [userId, limit],
    );
  }

  findByPrefix(prefix: string): Promise<ApiKeyCredentialsRow | null> {
    return queryOne<ApiKeyCredentialsRow>(
      this.db.manager,
      `SELECT ${KEY_COLUMNS}, key_hash AS "keyHash" FROM api_keys WHERE prefix = $1`,
      [prefix],
    );
  }

  /** Revokes one of the user's keys; false when the user has no such live key. */
  async revoke(userId: string, id: string): Promise<boolean> {
    const rows = await queryRows(
      this.db.manager,
      `UPDATE api_keys SET revoked_at = now()
       WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING id`,
      [id, userId],
    );
    return rows.length === 1;
  }

  /** Stamps a use, unless one was stamped within the last minute (then nothing is written). */
  async touch(id: string): Promise<void> {
    await this.db.query(
      `UPDATE api_keys SET last_used_at = now()
       WHERE id = $1 AND (last_used_at IS NULL
         OR last_used_at < now() - make_interval(secs => $2))`,
      [id, LAST_USED_PRECISION_SECONDS],
    );
  }
}
