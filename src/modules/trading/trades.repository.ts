import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { queryOne, queryRows } from '../../database/sql';

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

const TRADE_COLUMNS = `t.id, t.market_id AS "marketId", t.user_id AS "userId", t.position_id AS "positionId",
  t.side, t.outcome, t.shares, t.amount, t.probability_before AS "probabilityBefore",
  t.probability_after AS "probabilityAfter", t.created_at AS "createdAt"`;

type After = { createdAt: string; id: string } | undefined;

@Injectable()
export class TradesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** `initial`: the creator's `initialPosition` buy, written by the market's create. */
  async insert(
    manager: EntityManager,
    trade: Omit<TradeRow, 'id' | 'createdAt'> & { initial: boolean; probabilitiesAfter: string[] },
  ): Promise<TradeRow> {
    return (await queryOne<TradeRow>(
      manager,
      `INSERT INTO trades AS t (market_id, user_id, position_id, side, outcome, shares, amount,
         probability_before, probability_after, initial, probabilities_after)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING ${TRADE_COLUMNS}`,
      [
        trade.marketId,
        trade.userId,
        trade.positionId,
        trade.side,
        trade.outcome,
        trade.shares,
        trade.amount,
        trade.probabilityBefore,
        trade.probabilityAfter,
        trade.initial,
        trade.probabilitiesAfter,
      ],
    ))!;
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
   * OHLC candles of the YES probability and volume, computed in SQL. `open` is the
   * probability before the bucket's first trade; buckets without trades are omitted.
   */
  candles(
    marketId: string,
    intervalSeconds: number,
    from: Date,
    to: Date,
    series: CandleSeries = { kind: 'YES' },
  ): Promise<CandleRow[]> {
    if (series.kind !== 'YES')
      return this.otherCandles(marketId, intervalSeconds, from, to, series);
    return queryRows<CandleRow>(
      this.db.manager,
      `SELECT start,
              (array_agg(probability_before ORDER BY created_at, id))[1] AS open,
              greatest(max(probability_after), (array_agg(probability_before ORDER BY created_at, id))[1]) AS high,
              least(min(probability_after), (array_agg(probability_before ORDER BY created_at, id))[1]) AS low,
              (array_agg(probability_after ORDER BY created_at DESC, id DESC))[1] AS close,
              sum(amount) AS volume
       FROM (
         SELECT date_bin(make_interval(secs => $2), created_at, TIMESTAMPTZ 'epoch') AS start,
                probability_before, probability_after, amount, created_at, id
         FROM trades WHERE market_id = $1 AND created_at >= $3 AND created_at < $4
       ) bucketed
       GROUP BY start ORDER BY start`,
      [marketId, intervalSeconds, from, to],
    );
  }

  /**
   * Candles of a binary market's NO price (1 − YES), or of one outcome of another market:
   * its price after each trade is `probabilities_after[i]`, and before it the previous
   * trade's (the first trade starts from `initial`, 1/N), so every trade of the market
   * counts, not only those of that outcome.
   */
  private otherCandles(
    marketId: string,
    intervalSeconds: number,
    from: Date,
    to: Date,
    series: Exclude<CandleSeries, { kind: 'YES' }>,
  ): Promise<CandleRow[]> {
    const priced =
      series.kind === 'NO'
        ? `SELECT created_at, id, amount, 1 - probability_before AS before,
                  1 - probability_after AS after
           FROM trades WHERE market_id = $1 AND created_at >= $3 AND created_at < $4`
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
