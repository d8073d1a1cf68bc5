import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { queryOne, queryRows } from '../../database/sql';

export interface RefreshTokenRow {
  id: string;
  familyId: string;
  userId: string;
  authorityVersion: number;
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
}

@Injectable()
export class RefreshTokensRepository {
  async insert(
    manager: EntityManager,
    token: {
      familyId: string;
      userId: string;
      tokenHash: string;
      expiresAt: Date;
      authorityVersion: number;
    },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO refresh_tokens (family_id, user_id, token_hash, expires_at, authority_version)
       VALUES ($1, $2, $3, $4, $5)`,
      [token.familyId, token.userId, token.tokenHash, token.expiresAt, token.authorityVersion],
    );
  }

  /** Locks the token so two refreshes with it cannot both succeed. */
  lockByHash(manager: EntityManager, tokenHash: string): Promise<RefreshTokenRow | null> {
    return queryOne<RefreshTokenRow>(
      manager,
      `SELECT id, family_id AS "familyId", user_id AS "userId",
              authority_version AS "authorityVersion", expires_at AS "expiresAt",
              used_at AS "usedAt", revoked_at AS "revokedAt"
       FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE`,
      [tokenHash],
    );
  }

  async markUsed(manager: EntityManager, id: string): Promise<void> {
    await manager.query(`UPDATE refresh_tokens SET used_at = now() WHERE id = $1`, [id]);
  }

  async revokeFamily(manager: EntityManager, familyId: string): Promise<void> {
    await queryRows(
      manager,
      `UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL`,
      [familyId],
    );
  }

  /** Every live session of the user (a role change): returns the revoked family ids. */
  async revokeAllForUser(manager: EntityManager, userId: string): Promise<string[]> {
    const rows = await queryRows<{ familyId: string }>(
      manager,
      `UPDATE refresh_tokens SET revoked_at = now()
       WHERE user_id = $1 AND revoked_at IS NULL
       RETURNING family_id AS "familyId"`,
      [userId],
    );
    return [...new Set(rows.map((row) => row.familyId))];
  }
}
