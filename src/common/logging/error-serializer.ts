import pino from 'pino';

/** Keys that hold the values bound to a SQL statement, or rows' values, in pg/TypeORM errors. */
const SQL_VALUE_KEYS = new Set(['parameters', 'detail']);
/**
 * SQLSTATE classes whose messages quote the offending value (22: data exception, e.g.
 * `invalid input syntax for type uuid: "…"`; 23: integrity, e.g. a constraint's values).
 */
const VALUE_QUOTING_CLASSES = ['22', '23'];

type Serialized = Record<string, unknown>;

function scrub(serialized: Serialized): Serialized {
  const code = typeof serialized.code === 'string' ? serialized.code : undefined;
  const quotesValues = code !== undefined && VALUE_QUOTING_CLASSES.includes(code.slice(0, 2));
  const clean: Serialized = {};
  for (const [key, value] of Object.entries(serialized)) {
    if (SQL_VALUE_KEYS.has(key)) continue;
    if (quotesValues && (key === 'message' || key === 'stack') && typeof value === 'string') {
      clean[key] = value.replace(/"[^"\n]*"/g, '"[redacted]"');
    } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      clean[key] = scrub(value as Serialized);
    } else {
      clean[key] = value;
    }
  }
  return clean;
}

/**
 * pino's error serializer minus the values bound to SQL: a TypeORM `QueryFailedError` carries
 * `parameters` (emails, token hashes…) and its pg `driverError` a `detail` such as
 * `Key (email)=(…) already exists`. The statement text keeps its `$1` placeholders.
 */
export function serializeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  // A QueryFailedError copies the SQLSTATE from its driverError; read it from either.
  const serialized = pino.stdSerializers.err(error) as unknown as Serialized;
  const driverCode = (error as { driverError?: { code?: unknown } }).driverError?.code;
  if (serialized.code === undefined && typeof driverCode === 'string') {
    return scrub({ ...serialized, code: driverCode });
  }
  return scrub(serialized);
}
