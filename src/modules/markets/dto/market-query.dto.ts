import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayUnique, IsIn } from 'class-validator';
import { Field, OnlyWhenPresent } from '../../../common/openapi/field.decorator';
import { PageQueryDto } from '../../../common/pagination/pagination.dto';
import { MARKET_STATUSES, MarketStatus, SORT_ORDERS, SortOrder } from '../../../common/vocabulary';
import { MARKET_SORTS, MarketSort } from '../markets.repository';
import { MARKET_FIELDS, MarketField } from './market.response';
import { OutcomeIdField } from './market-write.dto';
import { MAX_OUTCOMES, MIN_OUTCOMES } from '../market-outcomes';

export class MarketListQueryDto extends PageQueryDto {
  @Field.enum(MARKET_STATUSES, { optional: true, example: 'active' })
  status?: MarketStatus;

  @Field.uuid({ optional: true })
  creatorId?: string;

  @Field.text({ min: 1, max: 40, optional: true, example: 'politics' })
  tag?: string;

  @Field.date({ optional: true, description: 'Markets closing before this instant.' })
  closesBefore?: Date;

  @Field.date({ optional: true, description: 'Markets closing after this instant.' })
  closesAfter?: Date;

  @Field.int({
    min: MIN_OUTCOMES,
    max: MAX_OUTCOMES,
    optional: true,
    example: 3,
    description: 'Markets with exactly this many outcomes (2: binary and two-outcome markets).',
  })
  outcomeCount?: number;

  @Field.enum(MARKET_SORTS, { optional: true, default: 'createdAt' })
  sort: MarketSort = 'createdAt';

  @Field.enum(SORT_ORDERS, { optional: true, default: 'desc' })
  order: SortOrder = 'desc';

  // A comma-separated list in the query string, an array after parsing: documented as the
  // text the client sends, checked element by element.
  @ApiProperty({
    required: false,
    type: String,
    description: `Comma-separated subset of: ${MARKET_FIELDS.join(', ')}, each at most once. The answer then holds only these fields.`,
    example: 'id,name,status,probability',
  })
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.split(',').map((f) => f.trim()) : value,
  )
  @OnlyWhenPresent()
  @ArrayMaxSize(MARKET_FIELDS.length)
  // A repeated name is a client mistake (and would let the list outgrow the field count).
  @ArrayUnique({ message: 'fields must not repeat a field' })
  @IsIn(MARKET_FIELDS, { each: true })
  fields?: MarketField[];
}

export class QuoteQueryDto {
  @OutcomeIdField({ description: 'An outcome id of the market (`YES`/`NO` on a binary market).' })
  outcome!: string;

  // Exactly one of amount and sellShares (the service refuses both or neither): the
  // document states it as a `oneOf` of the two (see ApiQuoteParameters).
  @Field.decimal({
    places: 2,
    min: '0.01',
    max: '1000000',
    optional: true,
    example: '10.00',
    description: 'Credits to spend (a buy quote).',
  })
  amount?: string;

  @Field.decimal({
    places: 6,
    min: '0.000001',
    max: '1000000000',
    optional: true,
    example: '5.000000',
    description: 'Shares to sell (a sell quote).',
  })
  sellShares?: string;
}
