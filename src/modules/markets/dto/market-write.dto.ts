import { PartialType } from '@nestjs/swagger';
import { Field } from '../../../common/openapi/field.decorator';
import { relativeDateExample } from '../../../common/openapi/examples';
import {
  MAX_OUTCOMES,
  MIN_OUTCOMES,
  OUTCOME_ID_FORMAT,
  OUTCOME_ID_PATTERN,
} from '../market-outcomes';

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

/** An outcome request field: an outcome id of the market (checked against it by the service). */
export const OutcomeIdField = (options: { optional?: boolean; description?: string } = {}) =>
  Field.text({
    min: 2,
    max: 8,
    pattern: OUTCOME_ID_PATTERN,
    patternMessage: `outcome must be an outcome id: ${OUTCOME_ID_FORMAT}`,
    example: 'YES',
    ...options,
  });

export class InitialPositionDto {
  @OutcomeIdField({ description: 'YES or NO (binary markets only).' })
  outcome!: string;

  @Field.decimal({
    places: 2,
    min: '0.01',
    max: '1000000',
    example: '25.00',
    description: 'Credits to spend.',
  })
  amount!: string;
}

export class OutcomeLabelDto {
  @Field.text({
    min: 1,
    max: 60,
    trim: true,
    example: 'Ada Lovelace',
    description: 'Stored trimmed; unique within the market, ignoring case.',
  })
  label!: string;
}

export class CreateMarketDto extends MarketEditableDto {
  @Field.decimal({
    places: 2,
    min: '10',
    max: '1000000',
    example: '100',
    optional: true,
    description:
      'LMSR liquidity b (default 100). The creator pays b·ln N as subsidy (N outcomes; 2 for a binary market).',
  })
  liquidity?: string;

  @Field.nestedList(OutcomeLabelDto, {
    minItems: MIN_OUTCOMES,
    maxItems: MAX_OUTCOMES,
    optional: true,
    example: [{ label: 'Ada Lovelace' }, { label: 'Grace Hopper' }, { label: 'Alan Turing' }],
    description:
      'A market with these outcomes (2–20, labels unique ignoring case), exactly one of which will win. ' +
      'Absent: a binary YES/NO market. The server assigns each outcome an id.',
  })
  outcomes?: OutcomeLabelDto[];

  @Field.nested(InitialPositionDto, { optional: true })
  initialPosition?: InitialPositionDto;
}

export class ReplaceMarketDto extends MarketEditableDto {}
/** Any subset of the editable fields; a field sent as `null` is a 400, not "unchanged". */
export class PatchMarketDto extends PartialType(MarketEditableDto, { skipNullProperties: false }) {}
