import { Field } from '../../../common/openapi/field.decorator';
import { CursorPageQueryDto } from '../../../common/pagination/pagination.dto';
import { relativeDateExample } from '../../../common/openapi/examples';
import { POSITION_STATUSES, PositionStatus, Resolution } from '../../../common/vocabulary';
import { MarketResponse } from '../../markets/dto/market.response';
import { OutcomeIdField } from '../../markets/dto/market-write.dto';
import { OUTCOME_ID_FORMAT } from '../../markets/market-outcomes';
import { ApiProperty } from '@nestjs/swagger';

/** A buy: the market, the outcome, the credits to spend and an optional slippage bound. */
export class BuyDto {
  @Field.uuid({ example: '3f0b8f0e-4c1e-4d3b-9a59-2f7b0c1d9e21' })
  marketId!: string;

  @OutcomeIdField({ description: 'An outcome id of the market (`YES`/`NO` on a binary market).' })
  outcome!: string;

  @Field.decimal({
    places: 2,
    min: '0.01',
    max: '1000000',
    example: '25.00',
    description: 'Credits to spend.',
  })
  amount!: string;

  @Field.number({
    min: 0,
    max: 1,
    optional: true,
    example: 0.9,
    description:
      'Refuse (409 SLIPPAGE_EXCEEDED) if the bought outcome’s probability after the trade, ' +
      'rounded to 6 places as the API reports it, would exceed this.',
  })
  maxProbability?: number;
}

export class SellDto {
  @Field.decimal({
    places: 6,
    min: '0.000001',
    max: '1000000000',
    example: '10.000000',
    optional: true,
    description: 'Shares to sell; all of them when omitted (not `null`).',
  })
  shares?: string;

  @Field.decimal({
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
  @Field.uuid({ optional: true })
  marketId?: string;

  @Field.enum(POSITION_STATUSES, { optional: true })
  status?: PositionStatus;
}

export class ResolveDto {
  @Field.text({
    min: 2,
    max: 8,
    pattern: /^(CANCEL|YES|NO|[a-z0-9]{8})$/,
    patternMessage: `outcome must be CANCEL or an outcome id: ${OUTCOME_ID_FORMAT}`,
    example: 'YES',
    description: 'The winning outcome id of the market, or `CANCEL` to refund everyone.',
  })
  outcome!: Resolution;
}

export class ResolveResponse {
  @ApiProperty({ type: MarketResponse }) market!: MarketResponse;
  @ApiProperty({ example: 'settle-3f0b8f0e-4c1e-4d3b-9a59-2f7b0c1d9e21' }) jobId!: string;
}

export const HISTORY_INTERVALS = { '1m': 60, '1h': 3600, '1d': 86_400 } as const;
export type HistoryInterval = keyof typeof HISTORY_INTERVALS;
export const MAX_CANDLES = 1000;

export class HistoryQueryDto {
  @Field.enum(Object.keys(HISTORY_INTERVALS), { example: '1h' })
  interval!: HistoryInterval;

  @Field.date({
    optional: true,
    example: relativeDateExample(-30),
    description: 'Default: `to` minus 1,000 intervals.',
  })
  from?: Date;

  @Field.date({ optional: true, example: relativeDateExample(1), description: 'Default: now.' })
  to?: Date;

  @OutcomeIdField({
    optional: true,
    description:
      'Whose probability the candles follow: an outcome id of the market. Default `YES` on a binary market; required on others.',
  })
  outcome?: string;
}
