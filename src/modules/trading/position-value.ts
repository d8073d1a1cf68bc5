import { credits, Dec, probability } from '../../common/money/decimal';
import { isBinary, MarketRow, outcomeSellValue, visibleStatus } from '../markets';
import { MarketSummaryDto, PositionResponse } from './dto/trading.response';
import { PositionRow } from './positions.repository';

export function toMarketSummary(market: MarketRow): MarketSummaryDto {
  return {
    id: market.id,
    name: market.name,
    status: visibleStatus(market.status, market.closesAt),
    probability: isBinary(market) ? probability(market.probability) : null,
  };
}

/**
 * What the position is worth now: its payout once settled; once resolved, 1.00 per winning
 * share (or the cancel refund); while tradable, what selling every share would pay.
 */
export function currentValue(position: PositionRow, market: MarketRow): string {
  if (position.payout !== null) return position.payout;
  const held = new Dec(position.shares);
  if (market.status === 'resolved') return credits(market.outcome === position.outcome ? held : 0);
  if (market.status === 'cancelled') {
    const net = Dec.max(new Dec(position.totalBought).minus(position.totalSold), 0);
    return credits(net.times(market.cancelRefundRatio ?? 1));
  }
  if (held.isZero()) return '0.00';
  return outcomeSellValue(market, position.outcome, position.shares);
}

export function toPositionResponse(position: PositionRow, market: MarketRow): PositionResponse {
  return {
    id: position.id,
    marketId: position.marketId,
    market: toMarketSummary(market),
    outcome: position.outcome,
    shares: position.shares,
    invested: position.invested,
    currentValue: currentValue(position, market),
    realizedPnl: position.realizedPnl,
    status: position.status,
    payout: position.payout,
    createdAt: position.createdAt.toISOString(),
    updatedAt: position.updatedAt.toISOString(),
  };
}
