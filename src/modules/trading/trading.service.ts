import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  AppError,
  ConflictError,
  ForbiddenError,
  InsufficientSharesError,
  NotFoundError,
  SlippageExceededError,
} from '../../common/errors/app-error';
import { credits, Dec, shares as toShares } from '../../common/money/decimal';
import { AuthenticatedUser } from '../../common/auth/authenticated-user';
import { roleHas } from '../../common/auth/permissions';
import { Idempotent } from '../../database/idempotency/idempotency-store';
import { sqlState } from '../../database/postgres-errors';
import { SqlStatement } from '../../database/sql';
import { TransactionRunner } from '../../database/transaction-runner';
import { OutboxService } from '../events/outbox.service';
import {
  CreateMarketDto,
  lmsrForRequest,
  MarketBook,
  MarketResponse,
  MarketRow,
  isBinary,
  outcomesOf,
  OutcomeQuote,
  quoteOutcomeBuy,
  quoteOutcomeSell,
  subsidyForOutcomes,
  VersionedMarketRow,
  visibleStatus,
} from '../markets';
import { LedgerService } from '../users/ledger.service';
import { BuyDto, SellDto } from './dto/trading.dto';
import { TradeResultResponse, toTradeResponse } from './dto/trading.response';
import { toMarketSummary, toPositionResponse } from './position-value';
import { basisRemoved } from './money-rules';
import { MarketTurns } from './market-turns';
import { PositionsRepository } from './positions.repository';
import { TradesRepository } from './trades.repository';

const DEFAULT_LIQUIDITY = '100';

interface BuyExecution {
  userId: string;
  market: MarketRow & { lockedAt?: Date };
  outcome: string;
  amount: string;
  maxProbability?: number;
  /** The creator's initialPosition buy, made by the market's create. */
  initial?: boolean;
  /** `market` was read without a lock at this version: write only if it is unchanged (else answer null). */
  quotedAtVersion?: string;
}

/**
 * A guarded trade statement failed on a constraint that stands for a refusal the locked path
 * answers exactly: funds (23514, `users.balance >= 0`), no such user (23502), or a deadlock
 * with a locked trade (40P01).
 */
function isStatementRefusal(error: unknown): boolean {
  const code = sqlState(error);
  return code === '23514' || code === '23502' || code === '40P01';
}

/**
 * Every request that moves money on a market: create (subsidy + initial buy), buy, sell and
 * delete (refund). Each is ONE transaction that locks the market row first, then the user's
 * (through the ledger), and writes trade, position, ledger, market counters and outbox event
 * together; a key-less buy is first tried as one guarded statement instead (`buy`), which
 * writes the same rows or none. MarketBook invalidates the market's cache entry after commit.
 */
@Injectable()
export class TradingService {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly markets: MarketBook,
    private readonly positions: PositionsRepository,
    private readonly trades: TradesRepository,
    private readonly ledger: LedgerService,
    private readonly outbox: OutboxService,
    private readonly turns: MarketTurns,
  ) {}

  async createMarket(
    user: AuthenticatedUser,
    input: CreateMarketDto,
    idempotencyKey?: string,
  ): Promise<Idempotent<MarketResponse>> {
    // Read before the transaction: a second pool connection taken while the transaction holds
    // one starves the pool (and times out) once concurrent creates reach the pool size.
    const creator = await this.markets.creatorOf({ creatorId: user.id });
    return this.transactions.idempotent(
      { userId: user.id, key: idempotencyKey, operation: 'markets.create', input, status: 201 },
      async (manager) => {
        const liquidity = credits(input.liquidity ?? DEFAULT_LIQUIDITY);
        const outcomes = outcomesOf(input);
        const subsidy = subsidyForOutcomes(new Dec(liquidity), outcomes.ids.length);
        const market = await this.markets.open(manager, {
          outcomeIds: outcomes.ids,
          outcomeLabels: outcomes.labels,
          name: input.name.trim(),
          description: input.description ?? '',
          liquidity,
          subsidy,
          tags: input.tags ?? [],
          creatorId: user.id,
          closesAt: input.closesAt,
        });
        await this.ledger.post(manager, {
          userId: user.id,
          kind: 'subsidy',
          amount: `-${subsidy}`,
          marketId: market.id,
        });
        await this.outbox.add(manager, 'market.created', market.id, {
          name: market.name,
          creatorId: user.id,
          liquidity,
          closesAt: market.closesAt.toISOString(),
          tags: market.tags,
          outcomes: market.outcomeIds.map((id, i) => ({ id, label: market.outcomeLabels[i] })),
        });
        const opened = input.initialPosition
          ? (await this.executeBuy(manager, {
              userId: user.id,
              market,
              outcome: input.initialPosition.outcome,
              amount: input.initialPosition.amount,
              initial: true,
            }))!.market
          : market;
        return this.markets.toResponse(opened, creator);
      },
    );
  }

  /**
   * A buy without an Idempotency-Key first tries `buyAtCommittedState` (one statement, the
   * market's lock held only inside PostgreSQL). When that writes nothing, and for every buy
   * with a key (whose answer commits with it), the buy runs locked: one transaction that
   * locks the market, quotes and writes. Both quote with the same code at a state no other
   * trade can change before the write, so the money is the same either way.
   */
  async buy(
    user: AuthenticatedUser,
    input: BuyDto,
    idempotencyKey?: string,
  ): Promise<Idempotent<TradeResultResponse>> {
    if (idempotencyKey === undefined) {
      const body = await this.buyAtCommittedState(user.id, input);
      if (body) return { status: 201, body, replayed: false };
    }
    return this.transactions.idempotent(
      { userId: user.id, key: idempotencyKey, operation: 'positions.buy', input, status: 201 },
      async (manager) => {
        const market = await this.markets.lock(manager, input.marketId);
        const executed = await this.executeBuy(manager, {
          userId: user.id,
          market,
          outcome: input.outcome,
          amount: input.amount,
          maxProbability: input.maxProbability,
        });
        return executed!.response;
      },
    );
  }

  /**
   * The buy quoted at the market's committed state and written by ONE autocommitted statement
   * that applies only while the market row is still that version, active, and before
   * closesAt by the database clock (its row lock and re-check are the UPDATE's own). The
   * state is the one this process last wrote (`MarketTurns`), else a fresh unlocked read.
   * Answers null when it wrote nothing: the market is unknown, not open, moved since the
   * read, or the buyer lacks the funds (the statement fails on the balance CHECK). The locked
   * path then decides, with its exact error where there is one. A refusal a fresh read
   * already shows (slippage, too small a buy) is thrown here.
   */
  private buyAtCommittedState(userId: string, input: BuyDto): Promise<TradeResultResponse | null> {
    const id = input.marketId;
    return this.turns.take(id, () =>
      this.transactions.autocommit(async (manager) => {
        const remembered = this.turns.lastWritten(id);
        if (remembered) {
          // A remembered state may be stale: a refusal judged at it is not an answer, so
          // the buy goes on to a fresh read instead.
          const bought = await this.buyAtVersion(manager, userId, remembered, input).catch(
            (error: unknown) => {
              if (error instanceof AppError) return null;
              throw error;
            },
          );
          if (bought) return bought;
        }
        const market = await this.markets.readForTrade(manager, id);
        return market ? this.buyAtVersion(manager, userId, market, input) : null;
      }),
    );
  }

  /** One guarded buy at `market`'s version; remembers the version it writes, or forgets. */
  private async buyAtVersion(
    manager: EntityManager,
    userId: string,
    market: VersionedMarketRow,
    input: BuyDto,
  ): Promise<TradeResultResponse | null> {
    this.turns.forget(market.id);
    if (visibleStatus(market.status, market.closesAt) !== 'active') return null;
    try {
      const executed = await this.executeBuy(manager, {
        userId,
        market,
        outcome: input.outcome,
        amount: input.amount,
        maxProbability: input.maxProbability,
        quotedAtVersion: market.version,
      });
      if (!executed) return null;
      this.turns.remember({ ...executed.market, version: executed.version! });
      return executed.response;
    } catch (error) {
      if (isStatementRefusal(error)) return null;
      throw error;
    }
  }

  async sell(
    user: AuthenticatedUser,
    positionId: string,
    input: SellDto,
    idempotencyKey?: string,
  ): Promise<Idempotent<TradeResultResponse>> {
    return this.transactions.idempotent(
      {
        userId: user.id,
        key: idempotencyKey,
        operation: `positions.sell:${positionId}`,
        input,
        status: 200,
      },
      async (manager) => {
        const found = await this.positions.findById(manager, positionId);
        // Someone else's position, or one of a deleted market, does not exist for the caller.
        if (!found || found.userId !== user.id) throw new NotFoundError('Position', positionId);
        const market = await this.markets.lockIfExists(manager, found.marketId);
        if (!market) throw new NotFoundError('Position', positionId);
        const position = (await this.positions.lockById(manager, positionId))!;
        this.markets.assertOpen(market, market.lockedAt);
        const selling = toShares(input.shares ?? position.shares);
        if (new Dec(selling).gt(position.shares) || new Dec(selling).isZero()) {
          throw new InsufficientSharesError(selling, position.shares);
        }
        const quote = lmsrForRequest(() => quoteOutcomeSell(market, position.outcome, selling));
        // quote.amount (the proceeds) is the 2-place amount the API reports and pays, so the
        // bound compares exactly what the caller would receive.
        if (input.minProceeds !== undefined && new Dec(quote.amount).lt(input.minProceeds)) {
          throw new SlippageExceededError(
            `The sale would pay ${quote.amount}, below minProceeds ${input.minProceeds}.`,
            {
              proceeds: quote.amount,
              minProceeds: input.minProceeds,
            },
          );
        }
        const removed = basisRemoved(position, selling);
        const executed = await this.recordTrade(manager, user.id, market, {
          side: 'sell',
          outcome: position.outcome,
          shares: selling,
          amount: quote.amount,
          quote,
          initial: false,
          position: (sql, name) =>
            this.positions.sellCte(sql, name, position.id, {
              shares: selling,
              proceeds: quote.amount,
              basisRemoved: removed,
              realized: credits(new Dec(quote.amount).minus(removed)),
            }),
        });
        return executed!.response;
      },
    );
  }

  /**
   * Deletes a market that has no trade but the initial buy of its create (recorded as such),
   * refunding the whole collateral (subsidy + initial buy) to the creator. Otherwise 409:
   * cancel it via resolve. The market row goes (404 everywhere); its trades, positions and
   * ledger rows stay, so every ledger row's referenceId still resolves for its owner.
   */
  async deleteMarket(user: AuthenticatedUser, id: string): Promise<void> {
    await this.transactions.run(async (manager) => {
      const market = await this.markets.lock(manager, id);
      if (market.creatorId !== user.id && !roleHas(user.role, 'delete')) {
        throw new ForbiddenError('Only the creator or a moderator can delete this market.');
      }
      if (market.status !== 'active')
        throw new ConflictError(`The market is ${market.status}; it cannot be deleted.`);
      if ((await this.trades.countBesidesInitial(manager, id)) > 0) {
        throw new ConflictError('The market has trades; cancel it via resolve instead.');
      }
      if (new Dec(market.collateral).gt(0)) {
        await this.ledger.post(manager, {
          userId: market.creatorId,
          kind: 'refund',
          amount: market.collateral,
          marketId: id,
          reason: 'market deleted',
        });
      }
      await this.outbox.add(manager, 'market.updated', id, {
        deleted: true,
        refunded: market.collateral,
      });
      await this.markets.delete(manager, id);
    });
  }

  /** Null only when `quotedAtVersion` is given and the market moved before the write. */
  private async executeBuy(manager: EntityManager, buy: BuyExecution) {
    const { userId, market, outcome, amount, maxProbability } = buy;
    // A market created in this transaction has no lock time; its trade's own database stamp
    // is checked against closesAt in recordTrade either way.
    this.markets.assertOpen(market, market.lockedAt);
    const quote = lmsrForRequest(() => quoteOutcomeBuy(market, outcome, credits(amount)));
    // The bound compares the 6-place value the API reports (a quote's probabilityAfter), not
    // the 50-digit price, so echoing a quote back is accepted while the price has not moved.
    const reportedAfter = quote.probabilityAfter;
    if (maxProbability !== undefined && new Dec(reportedAfter).gt(maxProbability)) {
      throw new SlippageExceededError(
        `The ${outcome} probability after the trade would be ${reportedAfter}, above maxProbability ${maxProbability}.`,
        { probabilityAfter: Number(reportedAfter), maxProbability },
      );
    }
    return this.recordTrade(manager, userId, market, {
      side: 'buy',
      outcome,
      shares: quote.shares,
      amount: quote.amount,
      quote,
      initial: buy.initial ?? false,
      quotedAtVersion: buy.quotedAtVersion,
      position: (sql, name, onlyIf) =>
        this.positions.buyCte(
          sql,
          name,
          { userId, marketId: market.id, outcome, shares: quote.shares, amount: quote.amount },
          onlyIf,
        ),
    });
  }

  /**
   * The writes every trade makes, as ONE statement (one round trip while the market's lock
   * is held): the position's change, the trade row, the balance and its ledger row, the
   * market's state and the outbox event. Each part is SQL its owner writes (`SqlStatement`).
   */
  private async recordTrade(
    manager: EntityManager,
    userId: string,
    market: MarketRow,
    trade: {
      side: 'buy' | 'sell';
      outcome: string;
      shares: string;
      amount: string;
      quote: OutcomeQuote;
      /** The creator's initialPosition buy, made by the market's create. */
      initial: boolean;
      /** Write only if the market row is still this version (no lock held); else answer null. */
      quotedAtVersion?: string;
      /**
       * The position's change as a CTE of that statement, named `name`; with `onlyIf`, written
       * only if that CTE returned a row.
       */
      position: (sql: SqlStatement, name: string, onlyIf?: string) => string;
    },
  ) {
    const guarded = trade.quotedAtVersion !== undefined;
    const probabilityAfter = trade.quote.storedProbabilityAfter;
    const outcomeQ = trade.quote.outcomeQAfter;
    const binary = isBinary(market);
    const probabilities = trade.quote.probabilitiesAfter;
    // Binary trades report the YES price, as they always have; others the traded outcome's.
    const probabilityBefore = binary ? market.probability : trade.quote.probabilityBefore;
    const reportedAfter = binary ? probabilityAfter : trade.quote.probabilityAfter;
    const entry = {
      userId,
      kind: trade.side,
      amount: trade.side === 'buy' ? `-${trade.amount}` : trade.amount,
      marketId: market.id,
    } as const;
    const posts = !new Dec(trade.amount).isZero();
    const sql = new SqlStatement();
    const parts = [
      // First: the position's CTE may read from it (a guarded write), and CTEs see only those
      // before them. Unread, it runs after the others; either way under the market's lock.
      this.markets.applyTradeStep(manager, sql, 'market', market.id, {
        outcomeQ,
        probability: probabilityAfter,
        collateralDelta: trade.side === 'buy' ? trade.amount : `-${trade.amount}`,
        volumeDelta: trade.amount,
        quotedAtVersion: trade.quotedAtVersion,
      }),
      trade.position(sql, 'position', guarded ? 'market' : undefined),
      this.trades.insertCte(sql, 'trade', 'position', {
        marketId: market.id,
        userId,
        side: trade.side,
        outcome: trade.outcome,
        shares: trade.shares,
        amount: trade.amount,
        probabilityBefore,
        probabilityAfter: reportedAfter,
        initial: trade.initial,
        probabilitiesAfter: probabilities,
      }),
      ...(posts
        ? [
            this.ledger.postStep(
              sql,
              'ledger',
              entry,
              { from: 'trade', column: 'trade.id' },
              guarded,
            ),
          ]
        : []),
      this.outbox.addStep(
        sql,
        'event',
        'trade.executed',
        market.id,
        {
          userId,
          side: trade.side,
          outcome: trade.outcome,
          shares: trade.shares,
          amount: trade.amount,
          probabilityBefore,
          probabilityAfter: reportedAfter,
          outcomes: market.outcomeIds.map((id, i) => ({ id, probability: probabilities[i] })),
        },
        { from: 'trade', key: 'tradeId', column: 'trade.id' },
      ),
    ];
    const written = await this.trades.record(manager, sql, parts, {
      position: 'position',
      trade: 'trade',
      ledger: posts ? 'ledger' : undefined,
      guardedMarket: guarded ? 'market' : undefined,
    });
    if (!written) {
      if (guarded) return null;
      throw new Error('the trade statement wrote no trade under the market lock');
    }
    // The database stamped the trade; if that stamp is not before closesAt the market had
    // closed by the database's clock (the lock-time check above can be stale by the time a
    // rolled-back lock holder made this transaction wait). Throwing rolls every write back.
    this.markets.assertOpen(market, written.trade.createdAt);
    if (posts && written.balanceAfter === null) throw await this.ledger.refusal(manager, entry);
    const updated: MarketRow = {
      ...market,
      outcomeQ,
      ...(binary ? { qYes: outcomeQ[0], qNo: outcomeQ[1] } : {}),
      probability: probabilityAfter,
      volume: credits(new Dec(market.volume).plus(trade.amount)),
      collateral: credits(
        new Dec(market.collateral)[trade.side === 'buy' ? 'plus' : 'minus'](trade.amount),
      ),
      tradeCount: market.tradeCount + 1,
    };
    const currentBalance = written.balanceAfter ?? (await this.ledger.balanceOf(manager, userId));
    const response: TradeResultResponse = {
      trade: toTradeResponse(written.trade),
      position: toPositionResponse(written.position, updated),
      market: toMarketSummary(updated),
      balance: currentBalance,
    };
    return { market: updated, response, version: written.marketVersion };
  }
}
