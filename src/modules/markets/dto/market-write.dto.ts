import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDate,
  IsIn,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  MinDate,
  ValidateNested,
} from 'class-validator';
import { IsDecimalString } from '../../../common/decorators/decimal-string.decorator';
import { OUTCOMES, Outcome } from '../market.entity';

const normalizeTags = ({ value }: { value: unknown }) =>
  Array.isArray(value)
    ? [
        ...new Set(
          (value as unknown[]).map((tag) =>
            typeof tag === 'string' ? tag.trim().toLowerCase() : tag,
          ),
        ),
      ]
    : value;

/** Names are stored trimmed, so the length rule applies to what is stored. */
const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** The editable fields; PUT sends all of them, PATCH any subset. */
export class MarketEditableDto {
  @ApiProperty({
    example: 'Will the Zephyrian Senate pass the budget by 2027?',
    minLength: 3,
    maxLength: 200,
  })
  @Transform(trim)
  @IsString()
  @Length(3, 200)
  name!: string;

  @ApiPropertyOptional({
    example: 'Resolves YES if the budget is signed before 1 January 2027.',
    maxLength: 5000,
  })
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  description?: string;

  @ApiProperty({ example: '2027-01-01T00:00:00.000Z', description: 'Must be in the future' })
  @Type(() => Date)
  @IsDate()
  @MinDate(() => new Date(), { message: 'closesAt must be in the future' })
  closesAt!: Date;

  @ApiPropertyOptional({ type: [String], example: ['politics', 'zephyria'], maxItems: 10 })
  @IsOptional()
  @Transform(normalizeTags)
  @IsArray()
  @ArrayMaxSize(10)
  @Matches(/^[a-z0-9][a-z0-9-]{0,39}$/, {
    each: true,
    message: 'each tag must be 1–40 of a-z, 0-9 and -',
  })
  tags?: string[];
}

export class InitialPositionDto {
  @ApiProperty({ enum: OUTCOMES, example: 'YES' })
  @IsIn(OUTCOMES)
  outcome!: Outcome;

  @IsDecimalString({
    places: 2,
    min: '0.01',
    max: '1000000',
    example: '25.00',
    description: 'Credits to spend.',
  })
  amount!: string;
}

export class CreateMarketDto extends MarketEditableDto {
  @IsDecimalString({
    places: 2,
    min: '10',
    max: '1000000',
    example: '100',
    optional: true,
    description: 'LMSR liquidity b (default 100). The creator pays b·ln 2 as subsidy.',
  })
  liquidity?: string;

  @ApiPropertyOptional({ type: InitialPositionDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => InitialPositionDto)
  initialPosition?: InitialPositionDto;
}

export class ReplaceMarketDto extends MarketEditableDto {}
export class PatchMarketDto extends PartialType(MarketEditableDto) {}
