import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptions } from '@nestjs/swagger';
import { Transform, Type as TransformType } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsNumber,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { Dec } from '../money/decimal';

/**
 * One declaration per request field: each `Field.*` decorator sets the class-validator rules
 * and the OpenAPI schema together, so the document cannot drift from what the server
 * accepts (test/openapi-fields.e2e-spec.ts walks both and fails on any disagreement).
 *
 * `optional: true` means the field may be ABSENT; `null` is still a 400 (API.md: "an
 * optional field is either absent or valid"). class-validator's `@IsOptional()` would also
 * let `null` through to the service, which is how `maxProbability: null` became a 500.
 */
export interface FieldOptions {
  optional?: boolean;
  description?: string;
  example?: unknown;
  /** Applied by the DTO's initialiser; documented here. */
  default?: unknown;
}

/** Skips the other rules only when the field is absent. */
export const OnlyWhenPresent = () =>
  ValidateIf((_object: object, value: unknown) => value !== undefined);

/** A check that refuses impossible days (2027-02-30), which Date would roll over. */
function isRealDay(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function base(options: FieldOptions, schema: ApiPropertyOptions): PropertyDecorator[] {
  const docs = {
    ...schema,
    required: !options.optional,
    ...(options.description !== undefined ? { description: options.description } : {}),
    ...(options.example !== undefined ? { example: options.example } : {}),
    ...(options.default !== undefined ? { default: options.default } : {}),
  } as ApiPropertyOptions;
  return [ApiProperty(docs), ...(options.optional ? [OnlyWhenPresent()] : [])];
}

/** Values of a query string arrive as text; numbers are converted before the check. */
const toNumberIfNumeric = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;

/**
 * Dates PostgreSQL stores and JSON Schema's `date-time` describes: ISO 8601 with a time zone
 * (or a date alone, read as midnight UTC), years 0001–9999. Anything else, a year before
 * 4713 BC or past PostgreSQL's range included, is a 400 here and never reaches a query.
 */
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/i;
export const EARLIEST_DATE = new Date('0001-01-01T00:00:00.000Z');
export const LATEST_DATE = new Date('9999-12-31T23:59:59.999Z');

export function parseApiDate(value: unknown): Date | null {
  const match = typeof value === 'string' ? ISO_DATE_TIME.exec(value) : null;
  if (!match || !isRealDay(Number(match[1]), Number(match[2]), Number(match[3]))) return null;
  const date = new Date(value as string);
  if (Number.isNaN(date.getTime())) return null;
  if (date < EARLIEST_DATE || date > LATEST_DATE) return null;
  return date;
}

export interface DecimalFieldOptions extends FieldOptions {
  places: number;
  /** Inclusive bounds as decimal strings. */
  min: string;
  max: string;
}

export interface TextFieldOptions extends FieldOptions {
  min?: number;
  max: number;
  /** Trim before checking (what is stored is trimmed). */
  trim?: boolean;
  pattern?: RegExp;
  patternMessage?: string;
}

export interface DateFieldOptions extends FieldOptions {
  /** Must be later than the moment of the request. */
  future?: boolean;
}

export interface IntFieldOptions extends FieldOptions {
  min: number;
  max: number;
}

export const Field = {
  /** A UUID (any version); in a path use `IdParam`. */
  uuid(options: FieldOptions = {}): PropertyDecorator {
    return applyDecorators(
      ...base(options, { type: String, format: 'uuid' }),
      IsUUID('all', { message: ({ property }) => `${property} must be a UUID` }),
    );
  },

  /** One value of a vocabulary (src/common/vocabulary.ts). */
  enum(values: readonly string[], options: FieldOptions = {}): PropertyDecorator {
    return applyDecorators(
      ...base(options, { type: String, enum: [...values] }),
      IsIn([...values], {
        message: ({ property }) => `${property} must be one of: ${values.join(', ')}`,
      }),
    );
  },

  /**
   * A money or share amount: a decimal string or a JSON number with at most `places`
   * decimals, within bounds. After validation the value is a canonical string, so no binary
   * float goes further than this decorator.
   */
  decimal(options: DecimalFieldOptions): PropertyDecorator {
    const pattern = new RegExp(`^\\d{1,15}(\\.\\d{1,${options.places}})?$`);
    const rule = `a decimal with at most ${options.places} places, from ${options.min} to ${options.max}`;
    const description = `${options.description ?? ''} ${rule[0].toUpperCase()}${rule.slice(1)}; a JSON number is accepted too.`;
    return applyDecorators(
      ...base(
        { ...options, description: description.trim() },
        { type: String, pattern: pattern.source },
      ),
      // Numbers become their shortest decimal text; anything else is left for the check.
      Transform(({ value }: { value: unknown }) =>
        typeof value === 'number' && Number.isFinite(value) ? String(value) : value,
      ),
      ValidateBy({
        name: 'isDecimalString',
        constraints: [options.places, options.min, options.max],
        validator: {
          validate: (value: unknown) =>
            typeof value === 'string' &&
            pattern.test(value) &&
            new Dec(value).gte(options.min) &&
            new Dec(value).lte(options.max),
          defaultMessage: (args) => `${args?.property} must be ${rule}`,
        },
      }),
    );
  },

  /** A JSON number in [min, max] (probabilities). */
  number(options: FieldOptions & { min: number; max: number }): PropertyDecorator {
    return applyDecorators(
      ...base(options, { type: Number, minimum: options.min, maximum: options.max }),
      IsNumber({ allowNaN: false, allowInfinity: false }),
      Min(options.min),
      Max(options.max),
    );
  },

  /** An integer in [min, max]; query-string digits are converted first. */
  int(options: IntFieldOptions): PropertyDecorator {
    return applyDecorators(
      ...base(options, { type: 'integer', minimum: options.min, maximum: options.max }),
      Transform(toNumberIfNumeric),
      IsInt(),
      Min(options.min),
      Max(options.max),
    );
  },

  /** Text of `min`–`max` characters, optionally trimmed first and matched against a pattern. */
  text(options: TextFieldOptions): PropertyDecorator {
    const min = options.min ?? 0;
    return applyDecorators(
      ...base(options, {
        type: String,
        ...(min > 0 ? { minLength: min } : {}),
        maxLength: options.max,
        ...(options.pattern ? { pattern: options.pattern.source } : {}),
      }),
      ...(options.trim
        ? [
            Transform(({ value }: { value: unknown }) =>
              typeof value === 'string' ? value.trim() : value,
            ),
          ]
        : []),
      IsString(),
      Length(min, options.max),
      ...(options.pattern ? [Matches(options.pattern, { message: options.patternMessage })] : []),
    );
  },

  /** An email address of at most 254 characters. */
  email(options: FieldOptions = {}): PropertyDecorator {
    return applyDecorators(
      ...base(options, { type: String, format: 'email', maxLength: 254 }),
      IsEmail(),
      Length(0, 254),
    );
  },

  /** An ISO 8601 date-time, converted to a `Date`; see `parseApiDate` for the range. */
  date(options: DateFieldOptions = {}): PropertyDecorator {
    const range = `${EARLIEST_DATE.toISOString().slice(0, 10)} and ${LATEST_DATE.toISOString().slice(0, 10)}`;
    return applyDecorators(
      ...base(
        {
          ...options,
          description:
            `${options.description ?? ''} ISO 8601 with a time zone, between ${range}.`.trim(),
        },
        { type: String, format: 'date-time' },
      ),
      Transform(({ value }: { value: unknown }) => parseApiDate(value) ?? value),
      ValidateBy({
        name: 'isApiDate',
        constraints: [options.future === true],
        validator: {
          validate: (value: unknown) =>
            value instanceof Date &&
            !Number.isNaN(value.getTime()) &&
            (!options.future || value.getTime() > Date.now()),
          defaultMessage: (args) =>
            args?.value instanceof Date && options.future
              ? `${args?.property} must be in the future`
              : `${args?.property} must be an ISO 8601 date-time between ${range}`,
        },
      }),
    );
  },

  /** A list of strings, each matching `pattern`; `normalize` runs on the list first. */
  stringList(
    options: FieldOptions & {
      maxItems: number;
      pattern: RegExp;
      patternMessage: string;
      normalize?: (items: unknown[]) => unknown[];
    },
  ): PropertyDecorator {
    return applyDecorators(
      ...base(options, {
        type: [String],
        maxItems: options.maxItems,
        items: { type: 'string', pattern: options.pattern.source },
      }),
      ...(options.normalize
        ? [
            Transform(({ value }: { value: unknown }) =>
              Array.isArray(value) ? options.normalize!(value) : value,
            ),
          ]
        : []),
      IsArray(),
      ArrayMaxSize(options.maxItems),
      Matches(options.pattern, { each: true, message: options.patternMessage }),
    );
  },

  /** A JSON boolean (not the text "true"). */
  boolean(options: FieldOptions = {}): PropertyDecorator {
    return applyDecorators(...base(options, { type: Boolean }), IsBoolean());
  },

  /** A list of `minItems`–`maxItems` values of a vocabulary; duplicates are dropped first. */
  enumList(
    values: readonly string[],
    options: FieldOptions & { minItems: number; maxItems: number },
  ): PropertyDecorator {
    return applyDecorators(
      ...base(options, {
        type: String,
        enum: [...values],
        isArray: true,
        minItems: options.minItems,
        maxItems: options.maxItems,
      }),
      Transform(({ value }: { value: unknown }) =>
        Array.isArray(value) ? [...new Set(value)] : value,
      ),
      IsArray(),
      ArrayMinSize(options.minItems),
      ArrayMaxSize(options.maxItems),
      IsIn([...values], {
        each: true,
        message: ({ property }) => `each of ${property} must be one of: ${values.join(', ')}`,
      }),
    );
  },

  /**
   * A list of `minItems`–`maxItems` nested objects, each validated by its own DTO class (an
   * element that is not an object is a 400 too: ValidateNested refuses it).
   */
  nestedList(
    type: new () => object,
    options: FieldOptions & { minItems: number; maxItems: number },
  ): PropertyDecorator {
    return applyDecorators(
      ...base(options, { type: [type], minItems: options.minItems, maxItems: options.maxItems }),
      IsArray(),
      ArrayMinSize(options.minItems),
      ArrayMaxSize(options.maxItems),
      ValidateNested({ each: true }),
      TransformType(() => type),
    );
  },

  /** A nested object validated by its own DTO class. */
  // The class itself, not a thunk: @nestjs/swagger takes a thunk for lazy only when the
  // function is literally named `type`, and otherwise writes an empty $ref.
  nested(type: new () => object, options: FieldOptions = {}): PropertyDecorator {
    return applyDecorators(
      ...base(options, { type }),
      ValidateNested(),
      TransformType(() => type),
    );
  },
};
