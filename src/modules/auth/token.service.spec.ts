import { JwtService } from '@nestjs/jwt';
import { loadConfig } from '../../config/app-config';
import { TokenService } from './token.service';

describe('TokenService', () => {
  const config = loadConfig({ JWT_SECRET: 's'.repeat(40), JWT_ACCESS_TTL_SECONDS: '120' });
  const jwt = new JwtService({});
  const tokens = new TokenService(jwt, config);

  it('signs HS256 access tokens with every contract claim', async () => {
    const token = await tokens.signAccessToken(
      '6a3c1f0e-0000-4000-8000-000000000001',
      'moderator',
      'sess-1',
      3,
    );
    const claims = jwt.verify(token, { secret: config.auth.jwtSecret, algorithms: ['HS256'] });
    expect(claims).toMatchObject({
      sub: '6a3c1f0e-0000-4000-8000-000000000001',
      role: 'moderator',
      type: 'access',
      sid: 'sess-1',
      av: 3,
      iss: 'market-api',
      aud: 'market-api-clients',
    });
    expect(claims.exp - claims.iat).toBe(120);
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('gives every token a different jti', async () => {
    const decode = async () => jwt.decode(await tokens.signAccessToken('u', 'user', 's', 1)).jti;
    expect(await decode()).not.toBe(await decode());
  });

  it('mints random refresh tokens and hashes them with SHA-256', () => {
    const a = tokens.newRefreshToken();
    const b = tokens.newRefreshToken();
    expect(a.token).not.toBe(b.token);
    expect(a.token.length).toBeGreaterThanOrEqual(43);
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(tokens.hashRefreshToken(a.token)).toBe(a.hash);
    expect(a.expiresAt.getTime() - Date.now()).toBeGreaterThan(7 * 24 * 3600 * 1000 - 5000);
  });
});
