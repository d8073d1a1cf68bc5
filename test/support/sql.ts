import { TestApp } from './test-app';

/** Reads the database directly, to assert what an HTTP call did or did not write. */
export async function sql<T = any>(t: TestApp, text: string, params: unknown[] = []): Promise<T[]> {
  return t.db.query(text, params);
}

export async function count(
  t: TestApp,
  table: string,
  where = 'true',
  params: unknown[] = [],
): Promise<number> {
  const rows = await sql<{ n: number }>(
    t,
    `SELECT count(*)::int AS n FROM ${table} WHERE ${where}`,
    params,
  );
  return rows[0].n;
}
