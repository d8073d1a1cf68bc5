import { EntityManager } from 'typeorm';

/**
 * Runs parameterised SQL and returns the rows. TypeORM answers `[rows, rowCount]` for UPDATE
 * and DELETE but `rows` otherwise; this hides the difference so repositories read the same.
 */
export async function queryRows<T>(
  manager: EntityManager,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const result: unknown = await manager.query(text, params);
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return result as T[];
}

export async function queryOne<T>(
  manager: EntityManager,
  text: string,
  params: unknown[] = [],
): Promise<T | null> {
  const rows = await queryRows<T>(manager, text, params);
  return rows[0] ?? null;
}

/**
 * One SQL statement written by several repositories: each contributes a part (a CTE) and
 * binds its values through `bind`, which numbers the placeholders in order. A trade writes
 * position, trade, ledger, market and outbox rows this way in ONE round trip while it holds
 * the market's lock, and each table's SQL stays in the repository that owns the table.
 */
export class SqlStatement {
  readonly params: unknown[] = [];

  /** The placeholder (`$n`) for `value`. */
  bind(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }
}
