/**
 * The SQLSTATE of a failed query: TypeORM's QueryFailedError carries the pg error as
 * `driverError` (and copies its code); a raw pg error carries it as `code`.
 */
export function sqlState(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const driverCode = (error as { driverError?: { code?: unknown } }).driverError?.code;
  if (typeof driverCode === 'string') return driverCode;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** 23505: the row would repeat a value a unique constraint or index forbids. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (sqlState(error) !== '23505') return false;
  if (constraint === undefined) return true;
  const driverError = (error as { driverError?: { constraint?: unknown } }).driverError;
  return (driverError?.constraint ?? (error as { constraint?: unknown }).constraint) === constraint;
}

/** 40001 serialization failure, 40P01 deadlock: PostgreSQL rolled back; the whole transaction may run again. */
export function isRetryableTransactionFailure(error: unknown): boolean {
  const code = sqlState(error);
  return code === '40001' || code === '40P01';
}
