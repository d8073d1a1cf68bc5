import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ConflictError } from '../../common/errors/app-error';
import { isUniqueViolation } from '../../database/postgres-errors';
import { queryOne, queryRows } from '../../database/sql';
import { Role } from './user.entity';

export interface UserRow {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  balance: string;
  /** Raised on every role change; tokens carry the version they were issued under. */
  authorityVersion: number;
  createdAt: Date;
}

/** What a request's authority is judged by: the current role and its version. */
export interface UserAuthorityRow {
  role: Role;
  authorityVersion: number;
}

export interface UserCredentialsRow {
  id: string;
  role: Role;
  passwordHash: string;
}

/** 409: the email belongs to another account (the unique index users_email_uq). */
export class EmailTakenError extends ConflictError {
  constructor() {
    super('An account with this email already exists.');
  }
}

const USER_COLUMNS = `id, email, display_name AS "displayName", role, balance,
  authority_version AS "authorityVersion", created_at AS "createdAt"`;

@Injectable()
export class UsersRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Inserts with balance 0; the starting grant is a ledger entry. A taken email: EmailTakenError. */
  async insert(
    manager: EntityManager,
    user: { email: string; passwordHash: string; displayName: string; role: Role },
  ): Promise<UserRow> {
    try {
      const row = await queryOne<UserRow>(
        manager,
        `INSERT INTO users (email, password_hash, display_name, role) VALUES ($1, $2, $3, $4)
         RETURNING ${USER_COLUMNS}`,
        [user.email, user.passwordHash, user.displayName, user.role],
      );
      return row!;
    } catch (error) {
      if (isUniqueViolation(error, 'users_email_uq')) throw new EmailTakenError();
      throw error;
    }
  }

  /** `manager`: the caller's transaction, or the pool's manager for a read outside one. */
  findById(manager: EntityManager, id: string): Promise<UserRow | null> {
    return queryOne<UserRow>(manager, `SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id]);
  }

  findAuthority(id: string): Promise<UserAuthorityRow | null> {
    return queryOne<UserAuthorityRow>(
      this.db.manager,
      `SELECT role, authority_version AS "authorityVersion" FROM users WHERE id = $1`,
      [id],
    );
  }

  findCredentialsByEmail(email: string): Promise<UserCredentialsRow | null> {
    return queryOne<UserCredentialsRow>(
      this.db.manager,
      `SELECT id, role, password_hash AS "passwordHash" FROM users WHERE email = $1`,
      [email],
    );
  }

  /** Public identities for a batch of ids, in one query. */
  findIdentities(ids: string[]): Promise<Array<{ id: string; displayName: string }>> {
    if (ids.length === 0) return Promise.resolve([]);
    return queryRows(
      this.db.manager,
      `SELECT id, display_name AS "displayName" FROM users WHERE id = ANY($1::uuid[])`,
      [ids],
    );
  }

  /** Offset page, newest first. */
  async pageByOffset(limit: number, offset: number): Promise<{ rows: UserRow[]; total: number }> {
    const [rows, count] = await Promise.all([
      queryRows<UserRow>(
        this.db.manager,
        `SELECT ${USER_COLUMNS} FROM users ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2`,
        [limit, offset],
      ),
      queryOne<{ total: number }>(this.db.manager, `SELECT count(*)::int AS total FROM users`),
    ]);
    return { rows, total: count!.total };
  }

  /** Keyset page, newest first. */
  pageAfter(limit: number, after?: { createdAt: string; id: string }): Promise<UserRow[]> {
    return queryRows<UserRow>(
      this.db.manager,
      `SELECT ${USER_COLUMNS} FROM users
       WHERE ($1::timestamptz IS NULL OR (created_at, id) < ($1::timestamptz, $2::uuid))
       ORDER BY created_at DESC, id DESC LIMIT $3`,
      [after?.createdAt ?? null, after?.id ?? null, limit],
    );
  }

  /** Locks every admin row, so two concurrent demotions cannot both pass the last-admin check. */
  async lockAdminIds(manager: EntityManager): Promise<string[]> {
    const rows = await queryRows<{ id: string }>(
      manager,
      `SELECT id FROM users WHERE role = 'admin' ORDER BY id FOR UPDATE`,
    );
    return rows.map((row) => row.id);
  }

  /** Sets the role; a different role raises the authority version (old tokens stop working). */
  updateRole(manager: EntityManager, id: string, role: Role): Promise<UserRow | null> {
    return queryOne<UserRow>(
      manager,
      `UPDATE users
       SET authority_version = authority_version + CASE WHEN role = $2 THEN 0 ELSE 1 END,
           role = $2, updated_at = now()
       WHERE id = $1 RETURNING ${USER_COLUMNS}`,
      [id, role],
    );
  }
}
