import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  MarketNotOpenError,
  NotFoundError,
  ValidationFailedError,
} from '../../common/errors/app-error';
import { SqlStatement } from '../../database/sql';
import { TransactionRunner } from '../../database/transaction-runner';
import { UsersService } from '../users/users.service';
import { CreatorDto, MarketResponse, toMarketResponse } from './dto/market.response';
import { LmsrInputError } from './lmsr';
import { MarketCache } from './market-cache';
import {
  LockedMarketRow,
  MarketInsert,
  MarketResolution,
  MarketRow,
  MarketStateChange,
  VersionedMarketRow,
  visibleStatus,
} from './market.types';
import { MarketsRepository } from './markets.repository';

/**
 * Runs an LMSR computation for a request: an input the maths refuses (`LmsrInputError`:
 * too small a buy, more shares than outstanding, …) becomes 400 VALIDATION_FAILED.
 */
export function lmsrForRequest<T>(compute: () => T): T {
  try {
    return compute();
  } catch (error) {
    throw error instanceof LmsrInputError ? new ValidationFailedError(error.message) : error;
  }
}

/**
 * The markets module's book of record for the modules that move money on a market (trading
 * today; multi-outcome markets next). Everything that changes a market row goes through
 * here, inside the caller's transaction (`manager`, from `TransactionRunner.run`), so the
 * caller decides what commits together: trade, position, ledger, market state and outbox
 * event. Each write also invalidates the market's cache entry once that transaction has
 * committed (`afterCommit`), so callers never do.
 *
 * Rules every caller follows:
 * - Lock first: `lock`/`lockIfExists` take the market's row lock before anything else in
 *   the transaction (lock order everywhere: market, then users through the ledger). The one
 *   exception, a trade quoted at `readForTrade`, writes with `applyTradeStep`'s
 *   `quotedAtVersion` as the first part of its one statement, which takes the lock itself.
 * - Judge "open" with the lock's clock: `assertOpen(market, market.lockedAt)`.
 * - Run LMSR maths for a request through `lmsrForRequest` (bad input is a 400, not a 500).
 *
 * | method               | what it does                                                       |
 * | -------------------- | ------------------------------------------------------------------ |
 * | `lock`               | row lock + database clock (`lockedAt`); 404 NOT_FOUND when unknown |
 * | `lockIfExists`       | the same, or null (a market deleted meanwhile)                     |
 * | `assertOpen`         | 409 MARKET_NOT_OPEN unless the market takes trades at `now`        |
 * | `open`               | inserts a new market (collateral = subsidy)                        |
 * | `readForTrade`       | the committed row, unlocked, for a trade quoted before it writes   |
 * | `applyTradeStep`     | a trade's new q, probability, collateral, volume, count (a CTE)    |
 * | `resolve`            | sets status/outcome/refund ratio; `resolvedAt` = database clock    |
 * | `withdrawCollateral` | takes settlement money out; false if it would go negative          |
 * | `markSettled`        | stamps `settledAt`                                                 |
 * | `delete`             | removes the row (trades, positions, ledger rows stay)              |
 * | `findById/ByIds`     | reads of committed state, outside any transaction                  |
 * | `findUnsettledIds`   | resolved, not yet settled: what a settlement sweep requeues        |
 * | `toResponse`         | the public market shape, with its creator (`creatorOf`)            |
 */
@Injectable()
export class MarketBook {
  constructor(
    private readonly markets: MarketsRepository,
    private readonly cache: MarketCache,
    private readonly users: UsersService,
    private readonly transactions: TransactionRunner,
  ) {}

  /** Locks the market row; 404 if unknown. `lockedAt` is the database clock under the lock. */
  async lock(manager: EntityManager, id: string): Promise<LockedMarketRow> {
    const market = await this.markets.lockForUpdate(manager, id);
    if (!market) throw new NotFoundError('Market', id);
    return market;
  }

  /** Locks the market row, or answers null when it does not exist (e.g. deleted). */
  lockIfExists(manager: EntityManager, id: string): Promise<LockedMarketRow | null> {
    return this.markets.lockForUpdate(manager, id);
  }

  /**
   * 409 MARKET_NOT_OPEN unless the market takes trades at `now`. Trades pass the database
   * clock read under the market's lock (`lockedAt`); quotes, which move nothing, the app's.
   */
  assertOpen(market: MarketRow, now: Date = new Date()): void {
    const status = visibleStatus(market.status, market.closesAt, now);
    if (status !== 'active') throw new MarketNotOpenError(status);
  }

  async open(manager: EntityManager, market: MarketInsert): Promise<MarketRow> {
    const opened = await this.markets.insert(manager, market);
    this.changed(manager, opened.id);
    return opened;
  }

  /**
   * A trade's new q, probability, collateral, volume and count, as a CTE named `name` of the
   * trade's one statement (`sql`), which the caller runs in `manager`'s transaction.
   */
  applyTradeStep(
    manager: EntityManager,
    sql: SqlStatement,
    name: string,
    id: string,
    change: MarketStateChange,
  ): string {
    this.changed(manager, id);
    return this.markets.applyTradeCte(sql, name, id, change);
  }

  /** The caller holds the lock, so `resolvedAt` is no earlier than any accepted trade. */
  resolve(manager: EntityManager, id: string, resolution: MarketResolution): Promise<MarketRow> {
    this.changed(manager, id);
    return this.markets.resolve(manager, id, resolution);
  }

  withdrawCollateral(manager: EntityManager, id: string, amount: string): Promise<boolean> {
    this.changed(manager, id);
    return this.markets.withdrawCollateral(manager, id, amount);
  }

  markSettled(manager: EntityManager, id: string): Promise<void> {
    this.changed(manager, id);
    return this.markets.markSettled(manager, id);
  }

  delete(manager: EntityManager, id: string): Promise<void> {
    this.changed(manager, id);
    return this.markets.delete(manager, id);
  }

  /** The committed row a trade is quoted at before its guarded statement (no lock). */
  readForTrade(manager: EntityManager, id: string): Promise<VersionedMarketRow | null> {
    return this.markets.readForTrade(manager, id);
  }

  /** Reads outside any transaction (committed state); inside one, lock instead. */
  findById(id: string): Promise<MarketRow | null> {
    return this.markets.findById(id);
  }

  findByIds(ids: string[]): Promise<MarketRow[]> {
    return this.markets.findByIds(ids);
  }

  findUnsettledIds(): Promise<string[]> {
    return this.markets.findUnsettledIds();
  }

  toResponse(market: MarketRow, creator: CreatorDto | null): MarketResponse {
    return toMarketResponse(market, creator) as MarketResponse;
  }

  /** The creator's public identity; read outside any transaction (its own pool connection). */
  async creatorOf(market: Pick<MarketRow, 'creatorId'>): Promise<CreatorDto | null> {
    const [creator] = await this.users.findIdentities([market.creatorId]);
    return creator ?? null;
  }

  /** The cached market goes stale when this transaction commits (a rollback drops the hook). */
  private changed(manager: EntityManager, id: string): void {
    this.transactions.afterCommit(manager, () => this.cache.invalidate(id));
  }
}
