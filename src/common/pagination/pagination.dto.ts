import { ValidateBy } from 'class-validator';
import { Field } from '../openapi/field.decorator';

// The cursor codec is in cursor.ts.
export const DEFAULT_PAGE_LIMIT = 20;
export const MAX_PAGE_LIMIT = 100;

/** `limit` + keyset `cursor`, for routes that page by cursor only. */
export class CursorPageQueryDto {
  @Field.int({ min: 1, max: MAX_PAGE_LIMIT, optional: true, default: DEFAULT_PAGE_LIMIT })
  limit: number = DEFAULT_PAGE_LIMIT;

  // No example: a made-up cursor would be a 400 in Swagger UI's "Try it out".
  @Field.text({
    max: 512,
    optional: true,
    description: 'Opaque cursor from `meta.pagination.nextCursor` of the previous page.',
  })
  cursor?: string;
}

/** `limit` + either `offset` or `cursor`, never both. */
export class PageQueryDto extends CursorPageQueryDto {
  @Field.int({
    min: 0,
    max: 1_000_000,
    optional: true,
    description: 'Offset mode; not together with `cursor` (400).',
  })
  @NotTogetherWith('cursor')
  offset?: number;
}

function NotTogetherWith(other: string): PropertyDecorator {
  return ValidateBy({
    name: 'notTogetherWith',
    constraints: [other],
    validator: {
      validate: (_value, args) => (args?.object as Record<string, unknown>)[other] === undefined,
      defaultMessage: (args) => `${args?.property} cannot be used together with ${other}`,
    },
  });
}

/** Sort direction shared by every sortable list. */
export { SORT_ORDERS } from '../vocabulary';
export type { SortOrder } from '../vocabulary';
