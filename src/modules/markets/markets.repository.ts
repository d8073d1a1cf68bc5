import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { queryOne, queryRows, SqlStatement } from '../../database/sql';
import {
  LockedMarketRow,
  MarketInsert,
  MarketResolution,
  MarketRow,
  MarketStateChange,
  VersionedMarketRow,
  MarketStatus,
  visibleStatusIs,
} from './market.types';

/** Public field name → SQL expression. The only columns a list may select or sort by. */
export const MARKET_COLUMNS = {
  id: 'm.id',
  name: 'm.name',
  description: 'm.description',
  status: 'm.status',
  outcome: 'm.outcome',
  outcomeIds: 'm.outcome_ids',
  outcomeLabels: 'm.outcome_labels',
  // numeric[] would arrive as one string; text[] arrives as an array of decimal strings.
  outcomeQ: 'm.outcome_q::text[]',
  qYes: 'm.q_yes',
  qNo: 'm.q_no',
  liquidity: 'm.liquidity',
  subsidy: 'm.subsidy',
  collateral: 'm.collateral',
  volume: 'm.volume',
  probability: 'm.probability',
  tradeCount: 'm.trade_count',
  cancelRefundRatio: 'm.cancel_refund_ratio',
  tags: 'm.tags',
  creatorId: 'm.creator_id',
  closesAt: 'm.closes_at',
  resolvedAt: 'm.resolved_at',
  settledAt: 'm.settled_at',
  createdAt: 'm.created_at',
  updatedAt: 'm.updated_at',
} as const satisfies Record<keyof MarketRow, string>;
export type MarketColumn = keyof typeof MARKET_COLUMNS;

const selectList = (columns: readonly MarketColumn[]) =>
  columns.map((column) => `${MARKET_COLUMNS[column]} AS "${column}"`).join(', ');
const ALL_COLUMNS = selectList(Object.keys(MARKET_COLUMNS) as MarketColumn[]);

export const MARKET_SORTS = ['volume', 'createdAt', 'closesAt', 'probability', 'name'] as const;
export type MarketSort = (typeof MARKET_SORTS)[number];
const SORT_CASTS: Record<MarketSort, string> = {
  volume: 'numeric',
  createdAt: 'timestamptz',
  closesAt: 'timestamptz',
  probability: 'numeric',
  name: 'text',
};

export interface MarketListFilter {
  status?: MarketStatus;
  creatorId?: string;
  tag?: string;
  closesBefore?: Date;
  closesAfter?: Date;
  outcomeCount?: number;
}

export interface MarketListQuery {
  filter: MarketListFilter;
  columns: readonly MarketColumn[];
  sort: MarketSort;
  order: 'asc' | 'desc';
  limit: number;
  offset?: number;
  after?: { value: string; id: string };
}

@Injectable()
export class MarketsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  insert(manager: EntityManager, market: MarketInsert): Promise<MarketRow> {
    return queryOne<MarketRow>(
      manager,
      `INSERT INTO markets AS m (name, description, liquidity, subsidy, collateral, tags, creator_id,
         closes_at, outcome_ids, outcome_labels, outcome_q)
       VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8, $9, array_fill(0, ARRAY[cardinality($8::text[])]))
       RETURNING ${ALL_COLUMNS}`,
      [
        market.name,
        market.description,
        market.liquidity,
        market.subsidy,
        market.tags,
        market.creatorId,
        market.closesAt,
        market.outcomeIds,
        market.outcomeLabels,
      ],
    ) as Promise<MarketRow>;
  }

  /**
   * The committed market row and its version, read without a lock on `manager`'s connection
   * (prepared): what a trade is quoted at before its one guarded statement (`applyTradeCte`
   * with `quotedAtVersion`).
   */
  readForTrade(manager: EntityManager, id: string): Promise<VersionedMarketRow | null> {
    return queryOne<VersionedMarketRow>(
      manager,
      `SELECT ${ALL_COLUMNS}, m.xmin::text AS version FROM markets m WHERE m.id = $1`,
      [id],
      { prepared: true },
    );
  }

  findById(id: string): Promise<MarketRow | null> {
    return queryOne<MarketRow>(
      this.db.manager,
      `SELECT ${ALL_COLUMNS} FROM markets m WHERE m.id = $1`,
      [id],
    );
  }

  /** A batch of markets in one query. */
  findByIds(ids: string[]): Promise<MarketRow[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return queryRows<MarketRow>(
      this.db.manager,
      `SELECT ${ALL_COLUMNS} FROM markets m WHERE m.id = ANY($1::uuid[])`,
      [[...new Set(ids)]],
    );
  }

  /**
   * Locks the market row for a trade, resolution or settlement batch (always locked first).
   * `lockedAt` is the database clock once the lock is held, so "has it closed?" is asked of
   * the same clock that stamps trades and resolutions, not of the app server's.
   */
  lockForUpdate(manager: EntityManager, id: string): Promise<LockedMarketRow | null> {
    return queryOne<LockedMarketRow>(
      manager,
      `SELECT ${ALL_COLUMNS}, clock_timestamp() AS "lockedAt" FROM markets m WHERE m.id = $1 FOR UPDATE`,
      [id],
      { prepared: true },
    );
  }

  /** A trade's change of the market row as a CTE (`<name>`) of the trade's one statement. */
  applyTradeCte(sql: SqlStatement, name: string, id: string, change: MarketStateChange): string {
    const q = `${sql.bind(change.outcomeQ)}::numeric[]`;
    const guard =
      change.quotedAtVersion === undefined
        ? ''
        : ` AND xmin = ${sql.bind(change.quotedAtVersion)}::xid
         AND status = 'active' AND closes_at > now()
       RETURNING id, xmin::text AS version`;
    // Binary markets mirror outcome_q in q_yes/q_no (markets_binary_q_check holds them equal).
    return `${name} AS (
       UPDATE markets SET outcome_q = ${q},
         q_yes = CASE WHEN outcome_ids = '{YES,NO}' THEN (${q})[1] ELSE 0 END,
         q_no = CASE WHEN outcome_ids = '{YES,NO}' THEN (${q})[2] ELSE 0 END,
         probability = ${sql.bind(change.probability)},
         collateral = collateral + ${sql.bind(change.collateralDelta)}::numeric,
         volume = volume + ${sql.bind(change.volumeDelta)}::numeric,
         trade_count = trade_count + 1, updated_at = now()
       WHERE id = ${sql.bind(id)}${guard}
     )`;
  }

  update(
    manager: EntityManager,
    id: string,
    changes: Partial<Pick<MarketRow, 'name' | 'description' | 'tags' | 'closesAt'>>,
  ): Promise<MarketRow | null> {
    return queryOne<MarketRow>(
      manager,
      `UPDATE markets AS m SET
         name = coalesce($2, name), description = coalesce($3, description),
         tags = coalesce($4, tags), closes_at = coalesce($5, closes_at), updated_at = now()
       WHERE m.id = $1 RETURNING ${ALL_COLUMNS}`,
      [
        id,
        changes.name ?? null,
        changes.description ?? null,
        changes.tags ?? null,
        changes.closesAt ?? null,
      ],
    );
  }

  async resolve(
    manager: EntityManager,
    id: string,
    resolution: MarketResolution,
  ): Promise<MarketRow> {
    return (await queryOne<MarketRow>(
      manager,
      // clock_timestamp(), not now(): now() is when the transaction began, before it waited
      // for the market's lock behind trades that then committed. The caller holds the lock,
      // so every trade accepted before this resolution is stamped no later than resolved_at.
      `UPDATE markets AS m SET status = $2, outcome = $3, cancel_refund_ratio = $4,
         resolved_at = clock_timestamp(), updated_at = now()
       WHERE m.id = $1 RETURNING ${ALL_COLUMNS}`,
      [id, resolution.status, resolution.outcome, resolution.cancelRefundRatio],
    ))!;
  }

  /** Takes settlement money out of the collateral; refuses to make it negative. */
  async withdrawCollateral(manager: EntityManager, id: string, amount: string): Promise<boolean> {
    const row = await queryOne<{ id: string }>(
      manager,
      `UPDATE markets SET collateral = collateral - $2::numeric, updated_at = now()
       WHERE id = $1 AND collateral >= $2::numeric RETURNING id`,
      [id, amount],
    );
    return row !== null;
  }

  async markSettled(manager: EntityManager, id: string): Promise<void> {
    await manager.query(`UPDATE markets SET settled_at = now(), updated_at = now() WHERE id = $1`, [
      id,
    ]);
  }

  async delete(manager: EntityManager, id: string): Promise<void> {
    await manager.query(`DELETE FROM markets WHERE id = $1`, [id]);
  }

  /** Markets resolved but not settled: what a settlement sweep must (re)queue. */
  async findUnsettledIds(): Promise<string[]> {
    const rows = await queryRows<{ id: string }>(
      this.db.manager,
      `SELECT id FROM markets WHERE resolved_at IS NOT NULL AND settled_at IS NULL ORDER BY resolved_at`,
    );
    return rows.map((row) => row.id);
  }

  /** One list page: filters, whitelisted sort, offset or keyset, only the requested columns. */
  async list(query: MarketListQuery): Promise<{ rows: Partial<MarketRow>[]; total?: number }> {
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const where = this.filterSql(query.filter, param);
    const sortColumn = MARKET_COLUMNS[query.sort];
    const direction = query.order === 'asc' ? 'ASC' : 'DESC';
    const pageWhere = [...where];
    if (query.after) {
      const comparator = query.order === 'asc' ? '>' : '<';
      pageWhere.push(
        `(${sortColumn}, m.id) ${comparator} (${param(query.after.value)}::${SORT_CASTS[query.sort]}, ${param(query.after.id)}::uuid)`,
      );
    }
    const columns = [...new Set<MarketColumn>(['id', query.sort, ...query.columns])];
    const whereSql = (clauses: string[]) =>
      clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
    const limitSql =
      `LIMIT ${param(query.limit)}` +
      (query.offset !== undefined ? ` OFFSET ${param(query.offset)}` : '');
    const rows = await queryRows<Partial<MarketRow>>(
      this.db.manager,
      `SELECT ${selectList(columns)} FROM markets m ${whereSql(pageWhere)}
       ORDER BY ${sortColumn} ${direction}, m.id ${direction} ${limitSql}`,
      params,
    );
    if (query.offset === undefined) return { rows };
    const filterParams = params.slice(0, params.length - 2);
    const count = await queryOne<{ total: number }>(
      this.db.manager,
      `SELECT count(*)::int AS total FROM markets m ${whereSql(where)}`,
      filterParams,
    );
    return { rows, total: count!.total };
  }

  private filterSql(filter: MarketListFilter, param: (value: unknown) => string): string[] {
    const where: string[] = [];
    if (filter.status) where.push(visibleStatusIs(filter.status, param));
    if (filter.creatorId) where.push(`m.creator_id = ${param(filter.creatorId)}::uuid`);
    if (filter.tag) where.push(`m.tags @> ARRAY[${param(filter.tag)}]::text[]`);
    if (filter.closesBefore) where.push(`m.closes_at < ${param(filter.closesBefore)}`);
    if (filter.closesAfter) where.push(`m.closes_at > ${param(filter.closesAfter)}`);
    if (filter.outcomeCount !== undefined)
      where.push(`cardinality(m.outcome_ids) = ${param(filter.outcomeCount)}::int`);
    return where;
  }
}
