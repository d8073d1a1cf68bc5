import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  ConflictError,
  ForbiddenError,
  InsufficientSharesError,
  NotFoundError,
  SlippageExceededError,
} from '../../common/errors/app-error';
import { credits, Dec, probabilityFixed, shares as toShares } from '../../common/money/decimal';
import { AuthenticatedUser } from '../../common/auth/authenticated-user';
import { roleHas } from '../../common/auth/permissions';
import { Idempotent } from '../../database/idempotency/idempotency-store';
import { TransactionRunner } from '../../database/transaction-runner';
import { OutboxService } from '../events/outbox.service';
import {
  CreateMarketDto,
  LmsrState,
  lmsrForRequest,
  lmsrState,
  MarketBook,
  MarketResponse,
  MarketRow,
  Outcome,
  quoteBuy,
  quoteSell,
  storedProbability,
  subsidyFor,
} from '../markets';
import { LedgerService } from '../users/ledger.service';
import { BuyDto, SellDto } from './dto/trading.dto';
import { TradeResultResponse, toTradeResponse } from './dto/trading.response';
import { toMarketSummary, toPositionResponse } from './position-value';
import { basisRemoved } from './money-rules';
import { PositionsRepository } from './positions.repository';
import { TradesRepository } from './trades.repository';

const DEFAULT_LIQUIDITY = '100';

/**
 * Every request that moves money on a market: create (subsidy + initial buy), buy, sell and
 * delete (refund). Each is ONE transaction that locks the market row first, then the user's
 * (through the ledger), and writes trade, position, ledger, market counters and outbox event
 * together. MarketBook invalidates the market's cache entry after commit.
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
        const subsidy = subsidyFor(new Dec(liquidity));
        const market = await this.markets.open(manager, {
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
        });
        const opened = input.initialPosition
          ? (
              await this.executeBuy(
                manager,
                user.id,
                market,
                input.initialPosition.outcome,
                input.initialPosition.amount,
                undefined,
                true,
              )
            ).market
          : market;
        return this.markets.toResponse(opened, creator);
      },
    );
  }

  async buy(
    user: AuthenticatedUser,
    input: BuyDto,
    idempotencyKey?: string,
  ): Promise<Idempotent<TradeResultResponse>> {
    return this.transactions.idempotent(
      { userId: user.id, key: idempotencyKey, operation: 'positions.buy', input, status: 201 },
      async (manager) => {
        const market = await this.markets.lock(manager, input.marketId);
        const executed = await this.executeBuy(
          manager,
          user.id,
          market,
          input.outcome,
          input.amount,
          input.maxProbability,
        );
        return executed.response;
      },
    );
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
        const quote = lmsrForRequest(() => quoteSell(lmsrState(market), position.outcome, selling));
        // quote.proceeds is the 2-place amount the API reports and pays, so the bound
        // compares exactly what the caller would receive.
        if (input.minProceeds !== undefined && new Dec(quote.proceeds).lt(input.minProceeds)) {
          throw new SlippageExceededError(
            `The sale would pay ${quote.proceeds}, below minProceeds ${input.minProceeds}.`,
            {
              proceeds: quote.proceeds,
              minProceeds: input.minProceeds,
            },
          );
        }
        const removed = basisRemoved(position, selling);
        const updatedPosition = await this.positions.applySell(manager, position.id, {
          shares: selling,
          proceeds: quote.proceeds,
          basisRemoved: removed,
          realized: credits(new Dec(quote.proceeds).minus(removed)),
        });
        return this.recordTrade(manager, user.id, market, {
          side: 'sell',
          outcome: position.outcome,
          shares: selling,
          amount: quote.proceeds,
          after: quote.after,
          position: updatedPosition,
          initial: false,
        }).then((executed) => executed.response);
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

  private async executeBuy(
    manager: EntityManager,
    userId: string,
    market: MarketRow & { lockedAt?: Date },
    outcome: Outcome,
    amount: string,
    maxProbability?: number,
    initial = false,
  ) {
    // A market created in this transaction has no lock time; its trade's own database stamp
    // is checked against closesAt in recordTrade either way.
    this.markets.assertOpen(market, market.lockedAt);
    const quote = lmsrForRequest(() => quoteBuy(lmsrState(market), outcome, credits(amount)));
    // The bound compares the 6-place value the API reports (a quote's probabilityAfter), not
    // the 50-digit price, so echoing a quote back is accepted while the price has not moved.
    const reportedAfter = probabilityFixed(quote.probabilityAfter);
    if (maxProbability !== undefined && new Dec(reportedAfter).gt(maxProbability)) {
      throw new SlippageExceededError(
        `The ${outcome} probability after the trade would be ${reportedAfter}, above maxProbability ${maxProbability}.`,
        { probabilityAfter: Number(reportedAfter), maxProbability },
      );
    }
    const position = await this.positions.addBuy(manager, {
      userId,
      marketId: market.id,
      outcome,
      shares: quote.shares,
      amount: quote.amount,
    });
    return this.recordTrade(manager, userId, market, {
      side: 'buy',
      outcome,
      shares: quote.shares,
      amount: quote.amount,
      after: quote.after,
      position,
      initial,
    });
  }

  /** The writes every trade shares: trade row, ledger row, market state, outbox event. */
  private async recordTrade(
    manager: EntityManager,
    userId: string,
    market: MarketRow,
    trade: {
      side: 'buy' | 'sell';
      outcome: Outcome;
      shares: string;
      amount: string;
      after: LmsrState;
      position: Awaited<ReturnType<PositionsRepository['addBuy']>>;
      /** The creator's initialPosition buy, made by the market's create. */
      initial: boolean;
    },
  ) {
    const probabilityAfter = storedProbability(trade.after);
    const row = await this.trades.insert(manager, {
      marketId: market.id,
      userId,
      positionId: trade.position.id,
      side: trade.side,
      outcome: trade.outcome,
      shares: trade.shares,
      amount: trade.amount,
      probabilityBefore: market.probability,
      probabilityAfter,
      initial: trade.initial,
    });
    // The database stamped the trade; if that stamp is not before closesAt the market had
    // closed by the database's clock (the lock-time check above can be stale by the time a
    // rolled-back lock holder made this transaction wait). Throwing rolls every write back.
    this.markets.assertOpen(market, row.createdAt);
    const signed = trade.side === 'buy' ? `-${trade.amount}` : trade.amount;
    const balance = new Dec(trade.amount).isZero()
      ? null
      : await this.ledger.post(manager, {
          userId,
          kind: trade.side,
          amount: signed,
          marketId: market.id,
          referenceId: row.id,
        });
    await this.markets.applyTrade(manager, market.id, {
      qYes: trade.after.qYes.toFixed(6),
      qNo: trade.after.qNo.toFixed(6),
      probability: probabilityAfter,
      collateralDelta: trade.side === 'buy' ? trade.amount : `-${trade.amount}`,
      volumeDelta: trade.amount,
    });
    await this.outbox.add(manager, 'trade.executed', market.id, {
      tradeId: row.id,
      userId,
      side: trade.side,
      outcome: trade.outcome,
      shares: trade.shares,
      amount: trade.amount,
      probabilityBefore: row.probabilityBefore,
      probabilityAfter,
    });
    const updated: MarketRow = {
      ...market,
      qYes: trade.after.qYes.toFixed(6),
      qNo: trade.after.qNo.toFixed(6),
      probability: probabilityAfter,
      volume: credits(new Dec(market.volume).plus(trade.amount)),
      collateral: credits(
        new Dec(market.collateral)[trade.side === 'buy' ? 'plus' : 'minus'](trade.amount),
      ),
      tradeCount: market.tradeCount + 1,
    };
    const currentBalance = balance?.balanceAfter ?? (await this.ledger.balanceOf(manager, userId));
    const response: TradeResultResponse = {
      trade: toTradeResponse(row),
      position: toPositionResponse(trade.position, updated),
      market: toMarketSummary(updated),
      balance: currentBalance,
    };
    return { market: updated, response };
  }
}
