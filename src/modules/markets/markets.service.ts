import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ValidationFailedError,
} from '../../common/errors/app-error';
import { Page, SerializedJson } from '../../common/http/envelope';
import { decodeCursor, isCursorTimestamp, toCursorPage } from '../../common/pagination/cursor';
import { AuthenticatedUser } from '../../common/auth/authenticated-user';
import { roleHas } from '../../common/auth/permissions';
import { TransactionRunner } from '../../database/transaction-runner';
import { OutboxService } from '../events/outbox.service';
import { UsersService } from '../users/users.service';
import { MarketListQueryDto, QuoteQueryDto } from './dto/market-query.dto';
import { MarketEditableDto } from './dto/market-write.dto';
import {
  CreatorDto,
  MARKET_FIELDS,
  MarketField,
  MarketResponse,
  toMarketResponse,
} from './dto/market.response';
import { quoteOutcomeBuy, quoteOutcomeSell } from './market-outcomes';
import { lmsrForRequest, MarketBook } from './market-book';
import { CacheRead, CachedMarket, MarketCache } from './market-cache';
import { MarketRow, visibleStatus } from './market.types';
import { MarketColumn, MarketsRepository } from './markets.repository';

/** Columns each response field needs. */
const FIELD_COLUMNS: Record<MarketField, MarketColumn[]> = {
  id: ['id'],
  name: ['name'],
  description: ['description'],
  status: ['status', 'closesAt'],
  outcome: ['outcome'],
  probability: ['probability', 'outcomeIds'],
  outcomes: ['outcomeIds', 'outcomeLabels', 'outcomeQ', 'liquidity'],
  liquidity: ['liquidity'],
  volume: ['volume'],
  closesAt: ['closesAt'],
  resolvedAt: ['resolvedAt'],
  creatorId: ['creatorId'],
  creator: ['creatorId'],
  tags: ['tags'],
  createdAt: ['createdAt'],
  updatedAt: ['updatedAt'],
};

export interface QuoteResponse {
  outcome: string;
  amount?: string;
  shares: string;
  proceeds?: string;
  averagePrice: string;
  probabilityBefore: number;
  probabilityAfter: number;
}

/**
 * The markets routes' own service: get (cached), list, quote and edit. What other modules do
 * to a market (open, trade, resolve, settle, delete) goes through `MarketBook`.
 */
@Injectable()
export class MarketsService {
  /** Responses of cached markets, serialized, by the cached value they were built from. */
  private readonly responses = new WeakMap<
    CachedMarket,
    { response: MarketResponse; serialized: SerializedJson<MarketResponse> }
  >();

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly markets: MarketsRepository,
    private readonly cache: MarketCache,
    private readonly book: MarketBook,
    private readonly users: UsersService,
    private readonly outbox: OutboxService,
  ) {}

  // ---- reads -------------------------------------------------------------------------------

  /** The Redis keys `getById(id)` reads, to read earlier and pass to it (see Prefetches). */
  cacheKeysOf(id: string): string[] {
    return this.cache.keysOf(id);
  }

  /**
   * The market with its creator as last committed: the cache entry (invalidated after every
   * committed change, see MarketCache), else the database. 404 if there is no such market.
   */
  private async committedMarket(
    id: string,
    prefetched?: Promise<CacheRead>,
  ): Promise<CachedMarket> {
    const cached = await this.cache.get(
      id,
      async () => {
        const market = await this.markets.findById(id);
        if (!market) return null;
        const [creator] = await this.users.findIdentities([market.creatorId]);
        return { market, creator: creator ?? null };
      },
      prefetched,
    );
    if (!cached) throw new NotFoundError('Market', id);
    return cached;
  }

  async getById(
    id: string,
    prefetched?: Promise<CacheRead>,
  ): Promise<SerializedJson<MarketResponse>> {
    const cached = await this.committedMarket(id, prefetched);
    // An unchanged cache entry is the same object (MarketCache keeps its last parse), so its
    // response, prices included, is built and serialized once; only the status depends on
    // the time (an active market past closesAt reads as closed).
    let built = this.responses.get(cached);
    if (!built) {
      const response = toMarketResponse(cached.market, cached.creator) as MarketResponse;
      built = { response, serialized: SerializedJson.of(response) };
      this.responses.set(cached, built);
    }
    const status = visibleStatus(cached.market.status, cached.market.closesAt);
    return status === built.response.status
      ? built.serialized
      : SerializedJson.of({ ...built.response, status });
  }

  async list(query: MarketListQueryDto): Promise<Page<Partial<MarketResponse>>> {
    const fields = query.fields ?? MARKET_FIELDS;
    const columns = [...new Set(fields.flatMap((field) => FIELD_COLUMNS[field]))];
    const after = query.cursor === undefined ? undefined : this.cursorAfter(query);
    const { rows, total } = await this.markets.list({
      filter: {
        status: query.status,
        creatorId: query.creatorId,
        tag: query.tag?.toLowerCase(),
        closesBefore: query.closesBefore,
        closesAfter: query.closesAfter,
        outcomeCount: query.outcomeCount,
      },
      columns,
      sort: query.sort,
      order: query.order,
      limit: query.offset === undefined ? query.limit + 1 : query.limit,
      offset: query.offset,
      after,
    });
    const creators = fields.includes('creator')
      ? await this.creatorsOf(rows)
      : new Map<string, CreatorDto>();
    const respond = (row: Partial<MarketRow>) =>
      toMarketResponse(row, creators.get(row.creatorId!) ?? null, fields);
    if (query.offset !== undefined) {
      return new Page(rows.map(respond), {
        limit: query.limit,
        offset: query.offset,
        total: total!,
        hasMore: query.offset + rows.length < total!,
      });
    }
    const page = toCursorPage(rows, query.limit, query.sort, query.order, (row) => ({
      value: this.cursorValue(row, query.sort),
      id: row.id!,
    }));
    return new Page(page.items.map(respond), page.pagination);
  }

  /**
   * Prices a trade on the market as last committed, read like `getById` (a quote is advice:
   * the trade itself prices under the market's lock and honours the limits it is sent with).
   */
  async quote(
    id: string,
    query: QuoteQueryDto,
    prefetched?: Promise<CacheRead>,
  ): Promise<QuoteResponse> {
    if ((query.amount === undefined) === (query.sellShares === undefined)) {
      throw new ValidationFailedError('Give exactly one of amount or sellShares.', {
        amount: ['exactly one of amount or sellShares is required'],
      });
    }
    const { market } = await this.committedMarket(id, prefetched);
    this.book.assertOpen(market);
    return lmsrForRequest((): QuoteResponse => {
      if (query.amount !== undefined) {
        const buy = quoteOutcomeBuy(market, query.outcome, query.amount);
        return {
          outcome: query.outcome,
          amount: buy.amount,
          shares: buy.shares,
          averagePrice: buy.averagePrice,
          probabilityBefore: Number(buy.probabilityBefore),
          probabilityAfter: Number(buy.probabilityAfter),
        };
      }
      const sell = quoteOutcomeSell(market, query.outcome, query.sellShares!);
      return {
        outcome: query.outcome,
        shares: sell.shares,
        proceeds: sell.amount,
        averagePrice: sell.averagePrice,
        probabilityBefore: Number(sell.probabilityBefore),
        probabilityAfter: Number(sell.probabilityAfter),
      };
    });
  }

  // ---- edits -------------------------------------------------------------------------------

  /** PUT replaces every editable field, PATCH only those given. Owner or moderator+, while active. */
  async edit(
    user: AuthenticatedUser,
    id: string,
    body: Partial<MarketEditableDto>,
  ): Promise<MarketResponse> {
    // Absent and null both mean "leave as is"; an edit that changes nothing is a 400.
    const changes = Object.fromEntries(
      Object.entries(body).filter(([, value]) => value !== undefined && value !== null),
    ) as Partial<MarketEditableDto>;
    if (Object.keys(changes).length === 0) {
      throw new ValidationFailedError('Give at least one field to change.', {
        body: ['at least one of name, description, closesAt, tags is required'],
      });
    }
    const updated = await this.transactions.run((manager) =>
      this.update(manager, user, id, changes),
    );
    return toMarketResponse(updated, await this.creatorOf(updated)) as MarketResponse;
  }

  private async update(
    manager: EntityManager,
    user: AuthenticatedUser,
    id: string,
    changes: Partial<MarketEditableDto>,
  ): Promise<MarketRow> {
    const market = await this.markets.lockForUpdate(manager, id);
    if (!market) throw new NotFoundError('Market', id);
    if (market.creatorId !== user.id && !roleHas(user.role, 'delete')) {
      throw new ForbiddenError('Only the creator or a moderator can edit this market.');
    }
    if (visibleStatus(market.status, market.closesAt) !== 'active') {
      throw new ConflictError(
        `The market is ${visibleStatus(market.status, market.closesAt)} and can no longer be edited.`,
      );
    }
    const updated = (await this.markets.update(manager, id, changes))!;
    this.transactions.afterCommit(manager, () => this.cache.invalidate(id));
    await this.outbox.add(manager, 'market.updated', id, {
      changed: Object.keys(changes),
      name: updated.name,
      closesAt: updated.closesAt.toISOString(),
      tags: updated.tags,
    });
    return updated;
  }

  private async creatorOf(market: Pick<MarketRow, 'creatorId'>): Promise<CreatorDto | null> {
    const [creator] = await this.users.findIdentities([market.creatorId]);
    return creator ?? null;
  }

  // ---- helpers -------------------------------------------------------------------------------

  private async creatorsOf(rows: Partial<MarketRow>[]): Promise<Map<string, CreatorDto>> {
    const identities = await this.users.findIdentities(rows.map((row) => row.creatorId!));
    return new Map(identities.map((identity) => [identity.id, identity]));
  }

  private cursorValue(row: Partial<MarketRow>, sort: MarketListQueryDto['sort']): string {
    const value = row[sort];
    return value instanceof Date ? value.toISOString() : String(value);
  }

  private cursorAfter(query: MarketListQueryDto): { value: string; id: string } {
    const position = decodeCursor(query.cursor!, query.sort, query.order);
    const value = String(position.value);
    const valid =
      query.sort === 'name'
        ? value.length <= 200
        : query.sort === 'createdAt' || query.sort === 'closesAt'
          ? isCursorTimestamp(value)
          : /^\d{1,20}(\.\d{1,6})?$/.test(value);
    if (!valid)
      throw new ValidationFailedError('The cursor is not valid for this query.', {
        cursor: ['is malformed'],
      });
    return { value, id: position.id };
  }
}
