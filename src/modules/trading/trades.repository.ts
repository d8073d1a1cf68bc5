import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { queryOne, queryRows, SqlStatement } from '../../database/sql';
import type { PositionRow } from './positions.repository';

export interface TradeRow {
  id: string;
  marketId: string;
  userId: string;
  positionId: string;
  side: 'buy' | 'sell';
  outcome: string;
  shares: string;
  amount: string;
  probabilityBefore: string;
  probabilityAfter: string;
  createdAt: Date;
}

/** Which price series candles follow: a binary market's YES or NO, or outcome #index (0-based). */
export type CandleSeries =
  { kind: 'YES' } | { kind: 'NO' } | { kind: 'outcome'; index: number; initial: string };

export interface CandleRow {
  start: Date;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
}

const TRADE_KEYS = [
  'id',
  'marketId',
  'userId',
  'positionId',
  'side',
  'outcome',
  'shares',
  'amount',
  'probabilityBefore',
  'probabilityAfter',
  'createdAt',
] as const satisfies readonly (keyof TradeRow)[];

const TRADE_COLUMNS = `t.id, t.market_id AS "marketId", t.user_id AS "userId", t.position_id AS "positionId",
  t.side, t.outcome, t.shares, t.amount, t.probability_before AS "probabilityBefore",
  t.probability_after AS "probabilityAfter", t.created_at AS "createdAt"`;

type After = { createdAt: string; id: string } | undefined;

export interface TradeStatementNames {
  position: string;
  trade: string;
  ledger?: string;
  /** The market's guarded update, returning the row's new `version`. */
  guardedMarket?: string;
}

/**
 * The text `TradesRepository.record` sends: the CTEs, then one row of the position's
 * columns, the trade's as `trade.<key>` and the ledger's `balanceAfter`. The trade
 * benchmarks hand pgbench this same text.
 */
export function tradeStatement(parts: string[], names: TradeStatementNames): string {
  const tradeColumns = TRADE_KEYS.map((key) => `${names.trade}."${key}" AS "trade.${key}"`);
  const balance = names.ledger ? `(SELECT "balanceAfter" FROM ${names.ledger})` : 'NULL::numeric';
  const version = names.guardedMarket
    ? `(SELECT version FROM ${names.guardedMarket})`
    : 'NULL::text';
  return `WITH ${parts.join(',\n')}
       SELECT ${names.position}.*, ${tradeColumns.join(', ')}, ${balance} AS "ledger.balanceAfter",
         ${version} AS "market.version"
       FROM ${names.position}, ${names.trade}`;
}

@Injectable()
export class TradesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * The trade row as a CTE (`<name>`) of the trade's one statement, for the position the
   * CTE `position` wrote. `initial`: the creator's `initialPosition` buy, written by the
   * market's create.
   */
  insertCte(
    sql: SqlStatement,
    name: string,
    position: string,
    trade: Omit<TradeRow, 'id' | 'createdAt' | 'positionId'> & {
      initial: boolean;
      probabilitiesAfter: string[];
    },
  ): string {
    return `${name} AS (
       INSERT INTO trades AS t (market_id, user_id, position_id, side, outcome, shares, amount,
         probability_before, probability_after, initial, probabilities_after)
       SELECT ${sql.bind(trade.marketId)}::uuid, ${sql.bind(trade.userId)}::uuid, ${position}.id,
         ${sql.bind(trade.side)}, ${sql.bind(trade.outcome)}, ${sql.bind(trade.shares)}::numeric,
         ${sql.bind(trade.amount)}::numeric, ${sql.bind(trade.probabilityBefore)}::numeric,
         ${sql.bind(trade.probabilityAfter)}::numeric, ${sql.bind(trade.initial)}::boolean,
         ${sql.bind(trade.probabilitiesAfter)}::numeric[]
       FROM ${position}
       RETURNING ${TRADE_COLUMNS}
     )`;
  }

  /**
   * Runs a trade's statement, its CTEs (`parts`) in order: `position` and `trade` name the
   * CTEs that return those rows, `ledger` the one returning the ledger row, if any. Answers
   * what the response needs; `balanceAfter` is null when the ledger refused (or was not
   * asked). One round trip however many tables the trade writes. Null when the statement
   * wrote no trade (a guarded write whose market moved).
   */
  async record(
    manager: EntityManager,
    sql: SqlStatement,
    parts: string[],
    names: TradeStatementNames,
  ): Promise<{
    position: PositionRow;
    trade: TradeRow;
    balanceAfter: string | null;
    marketVersion: string | null;
  } | null> {
    const row = await queryOne<Record<string, unknown>>(
      manager,
      tradeStatement(parts, names),
      sql.params,
      { prepared: true },
    );
    if (!row) return null;
    const position: Record<string, unknown> = {};
    const trade: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(row)) {
      if (key.startsWith('trade.')) trade[key.slice(6)] = value;
      else if (!key.startsWith('ledger.') && !key.startsWith('market.')) position[key] = value;
    }
    return {
      position: position as unknown as PositionRow,
      trade: trade as unknown as TradeRow,
      balanceAfter: row['ledger.balanceAfter'] as string | null,
      marketVersion: row['market.version'] as string | null,
    };
  }

  pageForMarket(marketId: string, limit: number, after: After): Promise<TradeRow[]> {
    return this.page('t.market_id = $1', marketId, limit, after);
  }

  pageForUser(userId: string, limit: number, after: After): Promise<TradeRow[]> {
    return this.page('t.user_id = $1', userId, limit, after);
  }

  /** How many trades a market has besides the initial buy recorded at its creation. */
  async countBesidesInitial(manager: EntityManager, marketId: string): Promise<number> {
    const row = await queryOne<{ n: number }>(
      manager,
      `SELECT count(*)::int AS n FROM trades WHERE market_id = $1 AND NOT initial`,
      [marketId],
    );
    return row!.n;
  }

  /** Whether anyone but `userId` (the creator) has traded on the market. */
  async hasTradesByOthers(
    manager: EntityManager,
    marketId: string,
    userId: string,
  ): Promise<boolean> {
    const row = await queryOne<{ found: boolean }>(
      manager,
      `SELECT EXISTS (SELECT 1 FROM trades WHERE market_id = $1 AND user_id <> $2) AS found`,
      [marketId, userId],
    );
    return row!.found;
  }

  /**
   * OHLC candles and volume, computed in SQL: of a binary market's YES (default) or NO
   * price, or of one outcome of another market. `open` is the price before the bucket's
   * first trade; buckets without trades are omitted. An outcome's price after each trade is
   * `probabilities_after[i]`, and before it the previous trade's (the first trade starts from
   * `initial`, 1/N), so every trade of the market counts, not only those of that outcome.
   */
  candles(
    marketId: string,
    intervalSeconds: number,
    from: Date,
    to: Date,
    series: CandleSeries = { kind: 'YES' },
  ): Promise<CandleRow[]> {
    const inRange = 'FROM trades WHERE market_id = $1 AND created_at >= $3 AND created_at < $4';
    const priced =
      series.kind === 'YES'
        ? `SELECT created_at, id, amount, probability_before AS before,
                  probability_after AS after ${inRange}`
        : series.kind === 'NO'
          ? `SELECT created_at, id, amount, 1 - probability_before AS before,
                    1 - probability_after AS after ${inRange}`
          : `SELECT * FROM (
               SELECT created_at, id, amount, probabilities_after[$5::int] AS after,
                      coalesce(lag(probabilities_after[$5::int]) OVER (ORDER BY created_at, id),
                               $6::numeric) AS before
               FROM trades WHERE market_id = $1 AND created_at < $4
             ) every_trade WHERE created_at >= $3`;
    const params: unknown[] = [marketId, intervalSeconds, from, to];
    if (series.kind === 'outcome') params.push(series.index + 1, series.initial);
    return queryRows<CandleRow>(
      this.db.manager,
      `SELECT start,
              (array_agg(before ORDER BY created_at, id))[1] AS open,
              greatest(max(after), (array_agg(before ORDER BY created_at, id))[1]) AS high,
              least(min(after), (array_agg(before ORDER BY created_at, id))[1]) AS low,
              (array_agg(after ORDER BY created_at DESC, id DESC))[1] AS close,
              sum(amount) AS volume
       FROM (
         SELECT date_bin(make_interval(secs => $2), created_at, TIMESTAMPTZ 'epoch') AS start,
                before, after, amount, created_at, id
         FROM (${priced}) priced
       ) bucketed
       GROUP BY start ORDER BY start`,
      params,
    );
  }

  private page(where: string, id: string, limit: number, after: After): Promise<TradeRow[]> {
    return queryRows<TradeRow>(
      this.db.manager,
      `SELECT ${TRADE_COLUMNS} FROM trades t
       WHERE ${where} AND ($2::timestamptz IS NULL OR (t.created_at, t.id) < ($2::timestamptz, $3::uuid))
       ORDER BY t.created_at DESC, t.id DESC LIMIT $4`,
      [id, after?.createdAt ?? null, after?.id ?? null, limit],
    );
  }
}
