import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type Redis from 'ioredis';
import { REDIS } from '../../redis/redis.module';
import { NotFoundError, ValidationFailedError } from '../../common/errors/app-error';
import { Page } from '../../common/http/envelope';
import { createdAtCursor, createdAtPage } from '../../common/pagination/cursor';
import { AuthenticatedUser } from '../../common/auth/authenticated-user';
import { roleHas } from '../../common/auth/permissions';
import { MarketBook } from '../markets';
import {
  HISTORY_INTERVALS,
  HistoryQueryDto,
  MAX_CANDLES,
  PositionListQueryDto,
} from './dto/trading.dto';
import {
  CandleResponse,
  PositionResponse,
  TradeResponse,
  toCandleResponse,
  toTradeResponse,
} from './dto/trading.response';
import { toPositionResponse } from './position-value';
import { PositionsRepository } from './positions.repository';
import { TradesRepository } from './trades.repository';

const HISTORY_CACHE_MS = 5_000;

function historyCacheKey(marketId: string, tradeCount: number, query: HistoryQueryDto): string {
  const bound = (date?: Date) => date?.toISOString() ?? '-';
  return `cache:history:v1:${marketId}:${tradeCount}:${query.interval}:${bound(query.from)}:${bound(query.to)}`;
}

/** Reads of positions, trades and price history. */
@Injectable()
export class PositionsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly positions: PositionsRepository,
    private readonly trades: TradesRepository,
    private readonly markets: MarketBook,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  async pageForUser(
    user: AuthenticatedUser,
    query: PositionListQueryDto,
  ): Promise<Page<PositionResponse>> {
    const rows = await this.positions.pageForUser(
      user.id,
      { marketId: query.marketId, status: query.status },
      query.limit + 1,
      createdAtCursor(query.cursor),
    );
    const page = createdAtPage(rows, query.limit);
    const markets = new Map(
      (await this.markets.findByIds(page.items.map((p) => p.marketId))).map((m) => [m.id, m]),
    );
    return new Page(
      page.items.map((position) => toPositionResponse(position, markets.get(position.marketId)!)),
      page.pagination,
    );
  }

  /**
   * The owner or an admin sees it; anyone else gets 404, as if it did not exist. A position
   * of a deleted market is 404 too (kept only as the audit trail).
   */
  async getForUser(user: AuthenticatedUser, id: string): Promise<PositionResponse> {
    const position = await this.positions.findById(this.db.manager, id);
    if (!position || (position.userId !== user.id && !roleHas(user.role, 'admin'))) {
      throw new NotFoundError('Position', id);
    }
    const market = await this.markets.findById(position.marketId);
    if (!market) throw new NotFoundError('Position', id);
    return toPositionResponse(position, market);
  }

  async tradesOfMarket(
    marketId: string,
    limit: number,
    cursor?: string,
  ): Promise<Page<TradeResponse>> {
    if (!(await this.markets.findById(marketId))) throw new NotFoundError('Market', marketId);
    const rows = await this.trades.pageForMarket(marketId, limit + 1, createdAtCursor(cursor));
    const page = createdAtPage(rows, limit);
    return new Page(page.items.map(toTradeResponse), page.pagination);
  }

  async tradesOfUser(
    user: AuthenticatedUser,
    limit: number,
    cursor?: string,
  ): Promise<Page<TradeResponse>> {
    const rows = await this.trades.pageForUser(user.id, limit + 1, createdAtCursor(cursor));
    const page = createdAtPage(rows, limit);
    return new Page(page.items.map(toTradeResponse), page.pagination);
  }

  async history(marketId: string, query: HistoryQueryDto): Promise<CandleResponse[]> {
    const seconds = HISTORY_INTERVALS[query.interval];
    const to = query.to ?? new Date();
    const from = query.from ?? new Date(to.getTime() - MAX_CANDLES * seconds * 1000);
    const invalid = (field: 'from' | 'to', message: string) =>
      new ValidationFailedError(message, { [field]: [message] });
    if (Number.isNaN(from.getTime())) throw invalid('from', 'from must be an ISO 8601 date');
    if (Number.isNaN(to.getTime())) throw invalid('to', 'to must be an ISO 8601 date');
    if (from >= to) throw invalid('from', 'from must be before to');
    const count = Math.ceil((to.getTime() - from.getTime()) / (seconds * 1000));
    if (count > MAX_CANDLES) {
      throw invalid(
        'from',
        `This range holds ${count} candles of ${query.interval}; the limit is ${MAX_CANDLES}. Narrow from/to or use a larger interval.`,
      );
    }
    const market = await this.markets.findById(marketId);
    if (!market) throw new NotFoundError('Market', marketId);
    // The trade count is in the key, so a new trade is never hidden; the short TTL bounds how
    // long a default (now-relative) window lags the clock.
    const key = historyCacheKey(marketId, market.tradeCount, query);
    const cached = await this.redis.get(key).catch(() => null);
    if (cached) return JSON.parse(cached) as CandleResponse[];
    const candles = (await this.trades.candles(marketId, seconds, from, to)).map(toCandleResponse);
    void this.redis
      .set(key, JSON.stringify(candles), 'PX', HISTORY_CACHE_MS)
      .catch(() => undefined);
    return candles;
  }
}
