import * as crypto from 'node:crypto';
import {
  apiKeyHashingKey,
  apiKeyMatches,
  apiKeyPrefix,
  hashApiKey,
  looksLikeApiKey,
  newApiKey,
} from './api-key-secret';

vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:crypto')>();
  return { ...original, timingSafeEqual: vi.fn(original.timingSafeEqual) };
});

describe('API key secrets', () => {
  const hashingKey = apiKeyHashingKey('s'.repeat(40));

  it('mints distinct keys whose prefix tells them from a JWT, hashed with a server key', () => {
    const a = newApiKey(hashingKey);
    const b = newApiKey(hashingKey);
    expect(a.key).not.toBe(b.key);
    expect(looksLikeApiKey(a.key)).toBe(true);
    expect(looksLikeApiKey('eyJhbGciOiJIUzI1NiJ9.e30.x')).toBe(false);
    expect(apiKeyPrefix(a.key)).toBe(a.prefix);
    expect(a.hash).toBe(hashApiKey(hashingKey, a.key));
    expect(a.hash).not.toBe(hashApiKey(apiKeyHashingKey('t'.repeat(40)), a.key));
    expect(a.hash).not.toBe(crypto.createHash('sha256').update(a.key).digest('hex'));
  });

  it('derives a hashing key distinct from the JWT secret itself', () => {
    expect(hashingKey.equals(Buffer.from('s'.repeat(40)))).toBe(false);
    expect(hashingKey).toHaveLength(32);
  });

  it('compares with timingSafeEqual, and refuses a wrong key or a malformed stored hash', () => {
    const { key, hash } = newApiKey(hashingKey);
    vi.mocked(crypto.timingSafeEqual).mockClear();
    expect(apiKeyMatches(hashingKey, key, hash)).toBe(true);
    expect(apiKeyMatches(hashingKey, `${key.slice(0, -1)}x`, hash)).toBe(false);
    expect(vi.mocked(crypto.timingSafeEqual)).toHaveBeenCalledTimes(2);
    expect(apiKeyMatches(hashingKey, key, 'abcd')).toBe(false);
  });

  it.each([
    '',
    'mkey_',
    'mkey_0123456789abcdef',
    'mkey_0123456789abcdeF_' + 'a'.repeat(43),
    'x'.repeat(200),
  ])('finds no prefix in %j', (value) => {
    expect(apiKeyPrefix(value)).toBeNull();
  });
});
