import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { InsufficientFundsError, NotFoundError } from '../../common/errors/app-error';
import { Page } from '../../common/http/envelope';
import { createdAtCursor, createdAtPage } from '../../common/pagination/cursor';
import { credits, Dec } from '../../common/money/decimal';
import { SqlStatement } from '../../database/sql';
import {
  LedgerEntryRow,
  LedgerReference,
  LedgerRepository,
  ledgerAppendCtes,
  NewLedgerEntry,
} from './ledger.repository';
import { UsersRepository } from './users.repository';

/**
 * The only way a balance changes. Every call writes the balance and its ledger row together,
 * inside the caller's transaction.
 */
@Injectable()
export class LedgerService {
  constructor(
    private readonly ledger: LedgerRepository,
    private readonly users: UsersRepository,
  ) {}

  /** Credits (positive) or debits (negative) a user; refuses to go below zero. */
  async post(manager: EntityManager, entry: NewLedgerEntry): Promise<LedgerEntryRow> {
    const amount = credits(entry.amount);
    const row = await this.ledger.append(manager, { ...entry, amount });
    if (row) return row;
    throw await this.refusal(manager, { ...entry, amount });
  }

  /**
   * `post` as two CTEs of the caller's statement (`ledgerAppendCtes`), for writers that send
   * all their rows in one round trip. Select `<name>."balanceAfter"`; no row means refused:
   * throw `refusal(...)`, which rolls the statement's other writes back with the transaction.
   * `failIfRefused`: a refusal fails the statement itself (see `ledgerAppendCtes`).
   */
  postStep(
    sql: SqlStatement,
    name: string,
    entry: NewLedgerEntry,
    reference?: LedgerReference,
    failIfRefused = false,
  ): string {
    return ledgerAppendCtes(
      sql,
      name,
      { ...entry, amount: credits(entry.amount) },
      reference,
      failIfRefused,
    );
  }

  /** The error a refused `post`/`postStep` of `entry` answers (no such user, or funds). */
  async refusal(manager: EntityManager, entry: NewLedgerEntry): Promise<Error> {
    const user = await this.users.findById(manager, entry.userId);
    if (!user) return new NotFoundError('User', entry.userId);
    return new InsufficientFundsError(credits(new Dec(entry.amount).neg()), user.balance);
  }

  /** Credits (payouts, refunds) to many users in one statement; amounts must be positive. */
  postMany(
    manager: EntityManager,
    kind: 'payout' | 'refund',
    marketId: string,
    entries: Array<{ userId: string; amount: string; referenceId: string }>,
  ): Promise<void> {
    return this.ledger.appendMany(manager, kind, marketId, entries);
  }

  async balanceOf(manager: EntityManager, userId: string): Promise<string> {
    const user = await this.users.findById(manager, userId);
    if (!user) throw new NotFoundError('User', userId);
    return user.balance;
  }

  async pageForUser(userId: string, limit: number, cursor?: string): Promise<Page<LedgerEntryRow>> {
    const rows = await this.ledger.pageForUser(userId, limit + 1, createdAtCursor(cursor));
    return createdAtPage(rows, limit);
  }
}
