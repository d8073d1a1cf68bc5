/**
 * Parsers for environment values that class-transformer would get wrong: its implicit
 * conversion turns any non-empty string, "false" and "0" included, into `true`.
 */

/** The words a boolean setting accepts, any case. */
const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

export const BOOLEAN_WORDS = /^\s*(true|false|1|0|yes|no|on|off)\s*$/i;
export const BOOLEAN_MESSAGE = 'must be one of true/false, 1/0, yes/no, on/off (any case)';

/**
 * Reads a boolean setting. `raw` has already passed `BOOLEAN_WORDS` (env.schema.ts), so
 * anything else here is a programming error, not a user's.
 */
export function parseBoolean(raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined) return fallback;
  const word = raw.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw new Error(`not a boolean word: ${raw}`);
}

/**
 * `TRUST_PROXY` → Fastify's `trustProxy`. Today a boolean only (validated like the other
 * booleans); the one place to extend with a hop count or a list of proxy addresses/CIDRs.
 */
export function parseTrustProxy(raw: string | undefined): boolean {
  return parseBoolean(raw, false);
}
