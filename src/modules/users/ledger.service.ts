import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { InsufficientFundsError, NotFoundError } from '../../common/errors/app-error';
import { Page } from '../../common/http/envelope';
import { createdAtCursor, createdAtPage } from '../../common/pagination/cursor';
import { credits, Dec } from '../../common/money/decimal';
import { LedgerEntryRow, LedgerRepository, NewLedgerEntry } from './ledger.repository';
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
    const user = await this.users.findById(manager, entry.userId);
    if (!user) throw new NotFoundError('User', entry.userId);
    throw new InsufficientFundsError(credits(new Dec(amount).neg()), user.balance);
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
