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
