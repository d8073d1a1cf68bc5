import { PartialType } from '@nestjs/swagger';
import { Field } from '../../../common/openapi/field.decorator';
import { relativeDateExample } from '../../../common/openapi/examples';
import { OUTCOMES, Outcome } from '../../../common/vocabulary';

const TAG = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** Tags are stored trimmed, lower-case and without duplicates. */
const normalizeTags = (tags: unknown[]) => [
  ...new Set(tags.map((tag) => (typeof tag === 'string' ? tag.trim().toLowerCase() : tag))),
];

/** The editable fields; PUT sends all of them, PATCH any subset. */
export class MarketEditableDto {
  // Names are stored trimmed, so the length rule applies to what is stored.
  @Field.text({
    min: 3,
    max: 200,
    trim: true,
    example: 'Will the Zephyrian Senate pass the budget by 2027?',
  })
  name!: string;

  @Field.text({
    max: 5000,
    optional: true,
    example: 'Resolves YES if the budget is signed within 30 days.',
  })
  description?: string;

  @Field.date({
    future: true,
    description: 'Must be in the future.',
    example: relativeDateExample(30),
  })
  closesAt!: Date;

  @Field.stringList({
    maxItems: 10,
    pattern: TAG,
    patternMessage: 'each tag must be 1–40 of a-z, 0-9 and -',
    normalize: normalizeTags,
    optional: true,
    example: ['politics', 'zephyria'],
  })
  tags?: string[];
}

export class InitialPositionDto {
  @Field.enum(OUTCOMES, { example: 'YES' })
  outcome!: Outcome;

  @Field.decimal({
    places: 2,
    min: '0.01',
    max: '1000000',
    example: '25.00',
    description: 'Credits to spend.',
  })
  amount!: string;
}

export class CreateMarketDto extends MarketEditableDto {
  @Field.decimal({
    places: 2,
    min: '10',
    max: '1000000',
    example: '100',
    optional: true,
    description: 'LMSR liquidity b (default 100). The creator pays b·ln 2 as subsidy.',
  })
  liquidity?: string;

  @Field.nested(InitialPositionDto, { optional: true })
  initialPosition?: InitialPositionDto;
}

export class ReplaceMarketDto extends MarketEditableDto {}
/** Any subset of the editable fields; a field sent as `null` is a 400, not "unchanged". */
export class PatchMarketDto extends PartialType(MarketEditableDto, { skipNullProperties: false }) {}
