import { DecimalFieldOptions, Field } from '../openapi/field.decorator';

export type DecimalStringOptions = DecimalFieldOptions;

/**
 * A money or share amount in a request. Kept as a name for `Field.decimal`, which declares
 * the validation and the OpenAPI schema together (src/common/openapi/field.decorator.ts).
 */
export function IsDecimalString(options: DecimalStringOptions): PropertyDecorator {
  return Field.decimal(options);
}
