import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsIn, IsNumber, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { IsDecimalString } from '../../../common/decorators/decimal-string.decorator';
import { CursorPageQueryDto } from '../../../common/pagination/pagination.dto';
import { InitialPositionDto } from '../../markets/dto/market-write.dto';
import { MarketResponse } from '../../markets/dto/market.response';
import { PositionStatus } from '../positions.repository';

/** A buy: the initial-position shape (outcome, amount) plus the market and a slippage bound. */
export class BuyDto extends InitialPositionDto {
  @ApiProperty({ format: 'uuid', example: '3f0b8f0e-4c1e-4d3b-9a59-2f7b0c1d9e21' })
  @IsUUID()
  marketId!: string;

  @ApiPropertyOptional({
    example: 0.7,
    description:
      'Refuse (409 SLIPPAGE_EXCEEDED) if the bought outcome’s probability after the trade would exceed this',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  maxProbability?: number;
}

export class SellDto {
  @IsDecimalString({
    places: 6,
    min: '0.000001',
    max: '1000000000',
    example: '10.000000',
    optional: true,
    description: 'Shares to sell; all of them when omitted.',
  })
  shares?: string;

  @IsDecimalString({
    places: 2,
    min: '0',
    max: '1000000000',
    example: '4.50',
    optional: true,
    description: 'Refuse (409 SLIPPAGE_EXCEEDED) if the proceeds would be lower.',
  })
  minProceeds?: string;
}

export class PositionListQueryDto extends CursorPageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  marketId?: string;

  @ApiPropertyOptional({ enum: ['open', 'closed', 'settled'] })
  @IsOptional()
  @IsIn(['open', 'closed', 'settled'])
  status?: PositionStatus;
}

export class ResolveDto {
  @ApiProperty({ enum: ['YES', 'NO', 'CANCEL'], example: 'YES' })
  @IsIn(['YES', 'NO', 'CANCEL'])
  outcome!: 'YES' | 'NO' | 'CANCEL';
}

export class ResolveResponse {
  @ApiProperty({ type: MarketResponse }) market!: MarketResponse;
  @ApiProperty({ example: 'settle-3f0b8f0e-4c1e-4d3b-9a59-2f7b0c1d9e21' }) jobId!: string;
}

export const HISTORY_INTERVALS = { '1m': 60, '1h': 3600, '1d': 86_400 } as const;
export type HistoryInterval = keyof typeof HISTORY_INTERVALS;
export const MAX_CANDLES = 1000;

export class HistoryQueryDto {
  @ApiProperty({ enum: Object.keys(HISTORY_INTERVALS), example: '1h' })
  @IsIn(Object.keys(HISTORY_INTERVALS))
  interval!: HistoryInterval;

  @ApiPropertyOptional({
    example: '2026-11-01T00:00:00Z',
    description: 'Default: `to` minus 1,000 intervals',
  })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'from must be an ISO 8601 date' })
  from?: Date;

  @ApiPropertyOptional({ example: '2026-11-22T00:00:00Z', description: 'Default: now' })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'to must be an ISO 8601 date' })
  to?: Date;
}
