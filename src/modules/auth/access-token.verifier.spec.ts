import { JwtService } from '@nestjs/jwt';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UnauthorizedError } from '../../common/errors/app-error';
import { loadConfig } from '../../config/app-config';
import type { UserAuthorityService } from '../users/user-authority.service';
import { AccessTokenVerifier } from './access-token.verifier';
import type { SessionRevocations } from './session-revocations';
import { TokenService } from './token.service';

const USER = '6a3c1f0e-0000-4000-8000-000000000001';

/** The verifier with the account's authority version and the session's state as given. */
function setUp(state: { authorityVersion: number; revoked: boolean }) {
  const config = loadConfig({ JWT_SECRET: 's'.repeat(40), JWT_ACCESS_TTL_SECONDS: '60' });
  const jwt = new JwtService({});
  const revocations = { isRevoked: () => Promise.resolve(state.revoked) };
  const authority = {
    current: () => Promise.resolve({ role: 'user', authorityVersion: state.authorityVersion }),
  };
  const verifier = new AccessTokenVerifier(
    jwt,
    config,
    revocations as unknown as SessionRevocations,
    authority as unknown as UserAuthorityService,
  );
  return { jwt, verifier, tokens: new TokenService(jwt, config) };
}

describe('AccessTokenVerifier: verified tokens kept for reuse', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('checks the signature of a token once, then reuses its claims', async () => {
    const { jwt, verifier, tokens } = setUp({ authorityVersion: 1, revoked: false });
    const token = await tokens.signAccessToken(USER, 'user', 'sess-1', 1);
    const verify = vi.spyOn(jwt, 'verify');
    const first = await verifier.verify(token);
    const second = await verifier.verify(token);
    expect(second).toEqual(first);
    expect(first).toEqual({ id: USER, role: 'user', sessionId: 'sess-1' });
    expect(verify).toHaveBeenCalledTimes(1);
  });

  it('refuses a kept token once it has expired', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { verifier, tokens } = setUp({ authorityVersion: 1, revoked: false });
    const token = await tokens.signAccessToken(USER, 'user', 'sess-1', 1);
    await verifier.verify(token);
    vi.setSystemTime(Date.now() + 59_000);
    await expect(verifier.verify(token)).resolves.toMatchObject({ id: USER });
    vi.setSystemTime(Date.now() + 1_000);
    await expect(verifier.verify(token)).rejects.toThrow(
      new UnauthorizedError('The access token is missing, malformed, expired or revoked.'),
    );
  });

  it('refuses a token that differs from a kept one only in its signature', async () => {
    const { verifier, tokens } = setUp({ authorityVersion: 1, revoked: false });
    const token = await tokens.signAccessToken(USER, 'user', 'sess-1', 1);
    await verifier.verify(token);
    const [header, payload, signature] = token.split('.');
    const forged = `${header}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    await expect(verifier.verify(forged)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('still judges the session and the authority on every use of a kept token', async () => {
    const state = { authorityVersion: 1, revoked: false };
    const { verifier, tokens } = setUp(state);
    const token = await tokens.signAccessToken(USER, 'user', 'sess-1', 1);
    await verifier.verify(token);
    state.authorityVersion = 2;
    await expect(verifier.verify(token)).rejects.toThrow(/role changed/);
    state.authorityVersion = 1;
    state.revoked = true;
    await expect(verifier.verify(token)).rejects.toThrow(/signed out/);
  });
});
