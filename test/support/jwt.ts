import { createHmac, randomUUID } from 'node:crypto';

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Hand-made JWTs, to forge what an attacker could send. */
export function signJwt(
  payload: Record<string, unknown>,
  secret: string,
  alg: 'HS256' | 'HS384' | 'HS512' | 'none' = 'HS256',
): string {
  const head = b64({ alg, typ: 'JWT' });
  const body = b64(payload);
  if (alg === 'none') return `${head}.${body}.`;
  const digest = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[alg];
  const signature = createHmac(digest, secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${signature}`;
}

export function accessClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: randomUUID(),
    role: 'admin',
    type: 'access',
    sid: randomUUID(),
    iss: 'market-api',
    aud: 'market-api-clients',
    iat: now,
    exp: now + 600,
    jti: randomUUID(),
    ...overrides,
  };
}
