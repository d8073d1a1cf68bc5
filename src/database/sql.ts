import { createHash } from 'node:crypto';
import { EntityManager, QueryFailedError } from 'typeorm';

export interface QueryOptions {
  /**
   * Send the text as a named prepared statement (node-postgres `{ name, text, values }`), so
   * PostgreSQL parses and plans it once per connection instead of on every call. For the hot
   * statements of a fixed text only: each distinct text stays prepared on every connection.
   * Applies when the manager holds a connection of its own (a transaction's, or
   * `TransactionRunner.autocommit`'s); on the pool's manager it is a plain query.
   */
  prepared?: boolean;
}

interface PgClient {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

const statementNames = new Map<string, string>();

/** A stable name per statement text: node-postgres refuses one name for two texts. */
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `s_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    statementNames.set(text, name);
  }
  return name;
}

/** The pg client of the connection `manager` holds, if it holds one. */
function heldClient(manager: EntityManager): PgClient | undefined {
  const runner = manager.queryRunner as
    { databaseConnection?: PgClient; isReleased?: boolean } | undefined;
  return runner && !runner.isReleased ? runner.databaseConnection : undefined;
}

async function preparedRows<T>(client: PgClient, text: string, params: unknown[]): Promise<T[]> {
  try {
    return (await client.query({ name: statementName(text), text, values: params })).rows as T[];
  } catch (error) {
    // The same error TypeORM's own query would throw, so error mapping reads it the same.
    throw new QueryFailedError(text, params, error as Error);
  }
}

/**
 * Runs parameterised SQL and returns the rows. TypeORM answers `[rows, rowCount]` for UPDATE
 * and DELETE but `rows` otherwise; this hides the difference so repositories read the same.
 */
export async function queryRows<T>(
  manager: EntityManager,
  text: string,
  params: unknown[] = [],
  options: QueryOptions = {},
): Promise<T[]> {
  const client = options.prepared ? heldClient(manager) : undefined;
  if (client) return preparedRows<T>(client, text, params);
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
  options: QueryOptions = {},
): Promise<T | null> {
  const rows = await queryRows<T>(manager, text, params, options);
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
