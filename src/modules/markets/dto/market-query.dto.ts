import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsDate,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
} from 'class-validator';
import { PageQueryDto, SORT_ORDERS, SortOrder } from '../../../common/pagination/pagination.dto';
import { MARKET_STATUSES, MarketStatus } from '../market.entity';
import { MARKET_SORTS, MarketSort } from '../markets.repository';
import { MARKET_FIELDS, MarketField } from './market.response';

export class MarketListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: MARKET_STATUSES, example: 'active' })
  @IsOptional()
  @IsIn(MARKET_STATUSES)
  status?: MarketStatus;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  creatorId?: string;

  @ApiPropertyOptional({ example: 'politics' })
  @IsOptional()
  @IsString()
  @Length(1, 40)
  tag?: string;

  @ApiPropertyOptional({
    example: '2027-01-01T00:00:00Z',
    description: 'Markets closing before this instant',
  })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  closesBefore?: Date;

  @ApiPropertyOptional({
    example: '2026-12-01T00:00:00Z',
    description: 'Markets closing after this instant',
  })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  closesAfter?: Date;

  @ApiPropertyOptional({ enum: MARKET_SORTS, default: 'createdAt' })
  @IsOptional()
  @IsIn(MARKET_SORTS)
  sort: MarketSort = 'createdAt';

  @ApiPropertyOptional({ enum: SORT_ORDERS, default: 'desc' })
  @IsOptional()
  @IsIn(SORT_ORDERS)
  order: SortOrder = 'desc';

  @ApiPropertyOptional({
    description: `Comma-separated subset of: ${MARKET_FIELDS.join(', ')}`,
    example: 'id,name,status,probability',
    type: String,
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.split(',').map((f) => f.trim()) : value,
  )
  @ArrayMaxSize(MARKET_FIELDS.length)
  @IsIn(MARKET_FIELDS, { each: true })
  fields?: MarketField[];
}

export class QuoteQueryDto {
  @ApiPropertyOptional({ enum: ['YES', 'NO'], example: 'YES' })
  @IsIn(['YES', 'NO'])
  outcome!: 'YES' | 'NO';

  @ApiPropertyOptional({
    example: '10.00',
    description: 'Credits to spend (a buy quote). Exactly one of amount or sellShares.',
  })
  @IsOptional()
  @Matches(/^\d{1,15}(\.\d{1,2})?$/, { message: 'amount must be a decimal with at most 2 places' })
  amount?: string;

  @ApiPropertyOptional({ example: '5.000000', description: 'Shares to sell (a sell quote)' })
  @IsOptional()
  @Matches(/^\d{1,15}(\.\d{1,6})?$/, {
    message: 'sellShares must be a decimal with at most 6 places',
  })
  sellShares?: string;
}
