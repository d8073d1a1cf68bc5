import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ConflictError, NotFoundError } from '../../common/errors/app-error';
import { Page } from '../../common/http/envelope';
import { createdAtCursor, createdAtPage } from '../../common/pagination/cursor';
import { Dec } from '../../common/money/decimal';
import { AppConfig } from '../../config/app-config';
import { Idempotent } from '../../database/idempotency/idempotency-store';
import { TransactionRunner } from '../../database/transaction-runner';
import { LedgerEntryResponse, toLedgerEntryResponse } from './dto/user.response';
import { LedgerService } from './ledger.service';
import { UserAuthorityService } from './user-authority.service';
import { Role } from './user.entity';
import { UserRow, UsersRepository } from './users.repository';

export interface NewUser {
  email: string;
  passwordHash: string;
  displayName: string;
  role?: Role;
}

/** Runs inside the role change's transaction, when the role really changed. */
export type RoleChangeListener = (manager: EntityManager, userId: string) => Promise<void>;

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

@Injectable()
export class UsersService {
  private readonly roleChangeListeners: RoleChangeListener[] = [];
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly transactions: TransactionRunner,
    private readonly users: UsersRepository,
    private readonly ledger: LedgerService,
    private readonly config: AppConfig,
    private readonly authority: UserAuthorityService,
  ) {}

  /** Creates the user and grants the starting balance as a ledger row, in one transaction. */
  async create(input: NewUser): Promise<UserRow> {
    return this.transactions.run(async (manager) => {
      const user = await this.users.insert(manager, {
        email: normalizeEmail(input.email),
        passwordHash: input.passwordHash,
        displayName: input.displayName.trim(),
        role: input.role ?? 'user',
      });
      const start = this.config.money.startingBalance;
      if (new Dec(start).isZero()) return user;
      const grant = await this.ledger.post(manager, {
        userId: user.id,
        kind: 'grant',
        amount: start,
        reason: 'starting balance',
      });
      return { ...user, balance: grant.balanceAfter };
    });
  }

  async getById(id: string): Promise<UserRow> {
    const user = await this.users.findById(this.db.manager, id);
    if (!user) throw new NotFoundError('User', id);
    return user;
  }

  /** Auth registers here to revoke the user's sessions in the same transaction. */
  onRoleChange(listener: RoleChangeListener): void {
    this.roleChangeListeners.push(listener);
  }

  /** The user, or null when absent, as `manager` (the caller's transaction) sees it. */
  findById(manager: EntityManager, id: string): Promise<UserRow | null> {
    return this.users.findById(manager, id);
  }

  findCredentials(email: string) {
    return this.users.findCredentialsByEmail(normalizeEmail(email));
  }

  findIdentities(ids: string[]) {
    return this.users.findIdentities([...new Set(ids)]);
  }

  async pageByOffset(limit: number, offset: number): Promise<Page<UserRow>> {
    const { rows, total } = await this.users.pageByOffset(limit, offset);
    return new Page(rows, { limit, offset, total, hasMore: offset + rows.length < total });
  }

  async pageByCursor(limit: number, cursor?: string): Promise<Page<UserRow>> {
    const rows = await this.users.pageAfter(limit + 1, createdAtCursor(cursor));
    return createdAtPage(rows, limit);
  }

  /**
   * Changes a role; the last admin cannot be demoted (admins are locked while checking). A new
   * role raises the authority version: the user's access tokens, refresh tokens and API keys
   * are judged by the new role from the next request on.
   */
  async changeRole(id: string, role: Role): Promise<UserRow> {
    const user = await this.transactions.run(async (manager) => {
      const admins = await this.users.lockAdminIds(manager);
      if (role !== 'admin' && admins.length === 1 && admins[0] === id) {
        throw new ConflictError('The last admin cannot be demoted; promote another admin first.');
      }
      const before = await this.users.findById(manager, id);
      const updated = await this.users.updateRole(manager, id, role);
      if (!before || !updated) throw new NotFoundError('User', id);
      if (before.role !== role) {
        for (const listener of this.roleChangeListeners) await listener(manager, id);
      }
      this.transactions.afterCommit(manager, () => this.authority.invalidate(id));
      return updated;
    });
    return user;
  }

  /** An admin grant of credits: one `grant` ledger row; Idempotency-Key makes retries safe. */
  async grantCredits(
    admin: { id: string },
    userId: string,
    input: { amount: string; reason: string },
    idempotencyKey?: string,
  ): Promise<Idempotent<LedgerEntryResponse>> {
    return this.transactions.idempotent(
      {
        userId: admin.id,
        key: idempotencyKey,
        operation: `users.grant:${userId}`,
        input,
        status: 201,
      },
      async (manager) =>
        toLedgerEntryResponse(
          await this.ledger.post(manager, {
            userId,
            kind: 'grant',
            amount: input.amount,
            reason: input.reason,
          }),
        ),
    );
  }
}
