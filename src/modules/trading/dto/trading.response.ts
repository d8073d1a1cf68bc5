import { ApiProperty } from '@nestjs/swagger';
import { probability } from '../../../common/money/decimal';
import {
  MARKET_STATUSES,
  MarketStatus,
  POSITION_STATUSES,
  PositionStatus,
  TRADE_SIDES,
  TradeSide,
} from '../../../common/vocabulary';
import { OUTCOME_ID_PATTERN } from '../../markets';
import { CandleRow, TradeRow } from '../trades.repository';

export class MarketSummaryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'Will the Zephyrian Senate pass the budget by 2027?' }) name!: string;
  @ApiProperty({ enum: MARKET_STATUSES, example: 'active' }) status!: MarketStatus;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 0.548587,
    description: 'Probability of YES; null on a market with other outcomes',
  })
  probability!: number | null;
}

export class TradeResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) marketId!: string;
  @ApiProperty({ enum: TRADE_SIDES, example: 'buy' }) side!: TradeSide;
  @ApiProperty({ pattern: OUTCOME_ID_PATTERN.source, example: 'YES', description: 'An outcome id' })
  outcome!: string;
  @ApiProperty({ example: '19.504582' }) shares!: string;
  @ApiProperty({ example: '10.00', description: 'Credits paid (buy) or received (sell)' })
  amount!: string;
  @ApiProperty({
    example: 0.5,
    description: 'YES probability before the trade (other markets: the traded outcome’s)',
  })
  probabilityBefore!: number;
  @ApiProperty({
    example: 0.548587,
    description: 'YES probability after the trade (other markets: the traded outcome’s)',
  })
  probabilityAfter!: number;
  @ApiProperty({ example: '2026-11-22T10:00:00.000Z' }) createdAt!: string;
}

export function toTradeResponse(trade: TradeRow): TradeResponse {
  return {
    id: trade.id,
    marketId: trade.marketId,
    side: trade.side,
    outcome: trade.outcome,
    shares: trade.shares,
    amount: trade.amount,
    probabilityBefore: probability(trade.probabilityBefore),
    probabilityAfter: probability(trade.probabilityAfter),
    createdAt: trade.createdAt.toISOString(),
  };
}

export class PositionResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) marketId!: string;
  @ApiProperty({ type: MarketSummaryDto }) market!: MarketSummaryDto;
  @ApiProperty({ pattern: OUTCOME_ID_PATTERN.source, example: 'YES', description: 'An outcome id' })
  outcome!: string;
  @ApiProperty({ example: '19.504582' }) shares!: string;
  @ApiProperty({ example: '10.00', description: 'Cost basis of the shares still held' })
  invested!: string;
  @ApiProperty({
    example: '10.41',
    description: 'What selling every share now would pay (or the payout once resolved)',
  })
  currentValue!: string;
  @ApiProperty({ example: '0.00', description: 'Profit or loss already taken by sales' })
  realizedPnl!: string;
  @ApiProperty({ enum: POSITION_STATUSES, example: 'open' }) status!: PositionStatus;
  @ApiProperty({
    example: null,
    nullable: true,
    type: String,
    description: 'Paid at settlement; null before',
  })
  payout!: string | null;
  @ApiProperty({ example: '2026-11-22T10:00:00.000Z' }) createdAt!: string;
  @ApiProperty({ example: '2026-11-22T10:00:00.000Z' }) updatedAt!: string;
}

export class TradeResultResponse {
  @ApiProperty({ type: TradeResponse }) trade!: TradeResponse;
  @ApiProperty({ type: PositionResponse }) position!: PositionResponse;
  @ApiProperty({ type: MarketSummaryDto }) market!: MarketSummaryDto;
  @ApiProperty({ example: '990.00', description: "The caller's balance after the trade" })
  balance!: string;
}

export class CandleResponse {
  @ApiProperty({ example: '2026-11-22T10:00:00.000Z' }) start!: string;
  @ApiProperty({ example: 0.5 }) open!: number;
  @ApiProperty({ example: 0.61 }) high!: number;
  @ApiProperty({ example: 0.48 }) low!: number;
  @ApiProperty({ example: 0.55 }) close!: number;
  @ApiProperty({ example: '120.00' }) volume!: string;
}

export function toCandleResponse(candle: CandleRow): CandleResponse {
  return {
    start: candle.start.toISOString(),
    open: probability(candle.open),
    high: probability(candle.high),
    low: probability(candle.low),
    close: probability(candle.close),
    volume: candle.volume,
  };
}
