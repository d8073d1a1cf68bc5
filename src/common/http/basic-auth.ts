import { createHash, timingSafeEqual } from 'node:crypto';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** The user name of an `Authorization: Basic …` header, or null when there is none. */
export function basicAuthUser(header: string | undefined): string | null {
  const match = /^Basic ([A-Za-z0-9+/]+={0,2})$/i.exec(header?.trim() ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 ? decoded.slice(0, colon) : null;
}

/**
 * Checks an `Authorization: Basic …` header against one user and password. Both are
 * compared as SHA-256 digests with `timingSafeEqual`, so neither the length nor the first
 * differing byte of a guess shows in the timing; both comparisons always run.
 */
export function basicAuthMatches(
  header: string | undefined,
  expected: { user: string; password: string },
): boolean {
  const match = /^Basic ([A-Za-z0-9+/]+={0,2})$/i.exec(header?.trim() ?? '');
  const decoded = match ? Buffer.from(match[1], 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  const user = colon >= 0 ? decoded.slice(0, colon) : '';
  const password = colon >= 0 ? decoded.slice(colon + 1) : '';
  const userOk = timingSafeEqual(digest(user), digest(expected.user));
  const passwordOk = timingSafeEqual(digest(password), digest(expected.password));
  return match !== null && colon >= 0 && userOk && passwordOk;
}
