import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, ValidateBy } from 'class-validator';
import { Dec } from '../money/decimal';

export interface DecimalStringOptions {
  places: number;
  /** Inclusive bounds as decimal strings. */
  min: string;
  max: string;
  example: string;
  description?: string;
  optional?: boolean;
}

/**
 * A money or share amount in a request: a decimal string or a JSON number with at most
 * `places` decimals, within bounds. After validation the value is a canonical string, so no
 * binary float goes further than this decorator.
 */
export function IsDecimalString(options: DecimalStringOptions): PropertyDecorator {
  const pattern = new RegExp(`^\\d{1,15}(\\.\\d{1,${options.places}})?$`);
  const describe = `a decimal with at most ${options.places} places, from ${options.min} to ${options.max}`;
  const docs = {
    type: 'string' as const,
    example: options.example,
    pattern: pattern.source,
    description:
      `${options.description ?? ''} ${describe[0].toUpperCase()}${describe.slice(1)}; a JSON number is accepted too.`.trim(),
  };
  return applyDecorators(
    ...(options.optional ? [IsOptional(), ApiPropertyOptional(docs)] : [ApiProperty(docs)]),
    // Numbers become their shortest decimal text; anything else is left for the check below.
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'number' && Number.isFinite(value) ? String(value) : value,
    ),
    ValidateBy({
      name: 'isDecimalString',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' &&
          pattern.test(value) &&
          new Dec(value).gte(options.min) &&
          new Dec(value).lte(options.max),
        defaultMessage: (args) => `${args?.property} must be ${describe}`,
      },
    }),
  );
}
