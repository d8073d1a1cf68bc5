import { ValidateBy } from 'class-validator';
import { ValidationFailedError } from '../errors/app-error';
import { Page } from '../http/envelope';
import { Field } from '../openapi/field.decorator';
import type { SortOrder } from '../vocabulary';

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

/** What a keyset cursor remembers: the sort it belongs to and the last row's key. */
export interface CursorPosition {
  sort: string;
  order: SortOrder;
  value: string | number | null;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** What `Date.toISOString()` writes. Date.parse also takes "1" or "5", which PostgreSQL refuses. */
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A timestamp as cursors carry it: toISOString() output that is a real instant. */
export function isCursorTimestamp(value: unknown): value is string {
  return typeof value === 'string' && ISO_TIMESTAMP.test(value) && !Number.isNaN(Date.parse(value));
}

export function encodeCursor(position: CursorPosition): string {
  const payload = [position.sort, position.order, position.value, position.id];
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

/**
 * Decodes and checks a cursor. A cursor made for another sort or order is refused so a
 * client cannot combine keys that do not belong together.
 */
export function decodeCursor(cursor: string, sort: string, order: SortOrder): CursorPosition {
  const invalid = () =>
    new ValidationFailedError('The cursor is not valid for this query.', {
      cursor: ['must be the nextCursor of a previous page with the same sort and order'],
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== 4) throw invalid();
  const [cursorSort, cursorOrder, value, id] = parsed as unknown[];
  const valueOk =
    value === null ||
    (typeof value === 'string' && !value.includes('\u0000')) ||
    typeof value === 'number';
  if (
    cursorSort !== sort ||
    cursorOrder !== order ||
    !valueOk ||
    typeof id !== 'string' ||
    !UUID.test(id)
  ) {
    throw invalid();
  }
  return { sort, order, value, id };
}

/**
 * Builds a cursor page from rows fetched with `limit + 1`: the extra row only says there is
 * a next page. Timestamps are stored with millisecond precision (timestamptz(3)) so a
 * JavaScript Date in a cursor compares exactly.
 */
export function toCursorPage<T>(
  rows: T[],
  limit: number,
  sort: string,
  order: SortOrder,
  keyOf: (row: T) => { value: string | number | null; id: string },
): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  const nextCursor =
    rows.length > limit && last ? encodeCursor({ sort, order, ...keyOf(last) }) : null;
  return new Page(items, { limit, nextCursor });
}

/** The keyset position after which a `created_at DESC, id DESC` page continues. */
export function createdAtCursor(
  cursor: string | undefined,
): { createdAt: string; id: string } | undefined {
  if (cursor === undefined) return undefined;
  const position = decodeCursor(cursor, 'createdAt', 'desc');
  if (!isCursorTimestamp(position.value)) {
    throw new ValidationFailedError('The cursor is not valid for this query.', {
      cursor: ['is malformed'],
    });
  }
  return { createdAt: position.value, id: position.id };
}

/** Cursor page for rows ordered by `created_at DESC, id DESC`. */
export function createdAtPage<T extends { id: string; createdAt: Date }>(
  rows: T[],
  limit: number,
): Page<T> {
  return toCursorPage(rows, limit, 'createdAt', 'desc', (row) => ({
    value: row.createdAt.toISOString(),
    id: row.id,
  }));
}
