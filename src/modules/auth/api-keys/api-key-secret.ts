import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/** Every key starts with this: a JWT starts with `eyJ`, so a Bearer value says which it is. */
export const API_KEY_PREFIX = 'mkey_';
const KEY_FORMAT = /^mkey_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export function looksLikeApiKey(value: string): boolean {
  return value.startsWith(API_KEY_PREFIX);
}

/**
 * The server key for hashing API keys, derived from JWT_SECRET with HKDF under a label of its
 * own, so the two uses never share a key. Rotating JWT_SECRET therefore retires every API key.
 */
export function apiKeyHashingKey(jwtSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', jwtSecret, '', 'market-api/api-key-hash/v1', 32));
}

/**
 * A new key: `mkey_<16 hex, public and unique>_<32 random bytes, base64url>`. The secret part
 * has 256 bits of entropy, so one keyed SHA-256 is enough: no slow password hash per request.
 */
export function newApiKey(hashingKey: Buffer): { key: string; prefix: string; hash: string } {
  const prefix = `${API_KEY_PREFIX}${randomBytes(8).toString('hex')}`;
  const key = `${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix, hash: hashApiKey(hashingKey, key) };
}

/** The public prefix of a well-formed key, or null. */
export function apiKeyPrefix(key: string): string | null {
  const match = KEY_FORMAT.exec(key);
  return match ? `${API_KEY_PREFIX}${match[1]}` : null;
}

export function hashApiKey(hashingKey: Buffer, key: string): string {
  return createHmac('sha256', hashingKey).update(key, 'utf8').digest('hex');
}

/**
 * Compares a presented key with a stored hash in constant time: both sides are HMAC digests
 * of equal length, and `timingSafeEqual` looks at every byte whatever the first difference.
 */
export function apiKeyMatches(hashingKey: Buffer, key: string, storedHash: string): boolean {
  const presented = Buffer.from(hashApiKey(hashingKey, key), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}
