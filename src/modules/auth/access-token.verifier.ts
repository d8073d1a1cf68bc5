import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { LRUCache } from 'lru-cache';
import { createSecretKey, KeyObject } from 'node:crypto';
import { UnauthorizedError } from '../../common/errors/app-error';
import { AppConfig } from '../../config/app-config';
import { UserAuthorityService } from '../users/user-authority.service';
import { AuthenticatedUser } from '../../common/auth/authenticated-user';
import { SessionRevocations } from './session-revocations';
import { AccessTokenClaims, JWT_ALGORITHM } from './token.service';

const INVALID_TOKEN = 'The access token is missing, malformed, expired or revoked.';

/** Tokens whose signature checked out, kept until they expire or are the least recently used. */
const VERIFIED_TOKENS = 10_000;

/** Whole seconds since the epoch, the clock jsonwebtoken judges `exp` by. */
const nowInSeconds = () => Math.floor(Date.now() / 1000);

/**
 * Verifies an access token, then judges it by the user's authority now: the signature with
 * the algorithm, issuer and audience pinned; every claim the contract requires (`exp`, `sub`,
 * `type`, plus our `sid` and `av`), since jsonwebtoken accepts a token without `exp`; the
 * session not signed out; the account still there; and its authority version unchanged since
 * the token was issued (a role change makes every older token stale at once).
 */
@Injectable()
export class AccessTokenVerifier {
  // A KeyObject made once: given a string, jsonwebtoken first tries createPublicKey() on it
  // (which throws for an HMAC secret) and then createSecretKey(), on every request; that was
  // 10 % of a buy's CPU (docs/benchmarks.md, Profiling). jsonwebtoken accepts a KeyObject;
  // @nestjs/jwt's types only say string or Buffer.
  private readonly key: KeyObject;
  /**
   * Claims of tokens already verified, by the whole token (signature included, so only the
   * very same token matches). A client sends one token for many requests; its signature,
   * issuer, audience and algorithm cannot change, so they are checked once (the HMAC and
   * jsonwebtoken's parsing were 6 % of a buy's CPU). Expiry is judged on every use, as
   * jsonwebtoken judges it; the session and authority checks below run on every request.
   */
  private readonly verified = new LRUCache<string, Partial<AccessTokenClaims>>({
    max: VERIFIED_TOKENS,
  });

  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
    private readonly revocations: SessionRevocations,
    private readonly authority: UserAuthorityService,
  ) {
    this.key = createSecretKey(Buffer.from(config.auth.jwtSecret, 'utf8'));
  }

  async verify(token: string): Promise<AuthenticatedUser> {
    const claims = this.verifySignature(token);
    if (
      claims.type !== 'access' ||
      typeof claims.sub !== 'string' ||
      typeof claims.exp !== 'number' ||
      typeof claims.sid !== 'string' ||
      typeof claims.av !== 'number'
    ) {
      throw new UnauthorizedError('The token is not an access token.');
    }
    const [revoked, authority] = await Promise.all([
      this.revocations.isRevoked(claims.sid),
      this.authority.current(claims.sub),
    ]);
    if (revoked) throw new UnauthorizedError('The session was signed out.');
    if (!authority) throw new UnauthorizedError('The account no longer exists.');
    if (authority.authorityVersion !== claims.av) {
      throw new UnauthorizedError(
        "The account's role changed since this token was issued; sign in again.",
      );
    }
    return { id: claims.sub, role: authority.role, sessionId: claims.sid };
  }

  private verifySignature(token: string): Partial<AccessTokenClaims> {
    const known = this.verified.get(token);
    if (known) {
      if (nowInSeconds() < known.exp!) return known;
      this.verified.delete(token);
      throw new UnauthorizedError(INVALID_TOKEN);
    }
    const claims = this.verifyWithJwt(token);
    // Only a token that expires is kept (one without `exp` is refused by verify() anyway).
    if (typeof claims.exp === 'number') this.verified.set(token, claims);
    return claims;
  }

  private verifyWithJwt(token: string): Partial<AccessTokenClaims> {
    try {
      return this.jwt.verify<Partial<AccessTokenClaims>>(token, {
        secret: this.key as unknown as string,
        algorithms: [JWT_ALGORITHM],
        issuer: this.config.auth.issuer,
        audience: this.config.auth.audience,
        ignoreExpiration: false,
      });
    } catch {
      throw new UnauthorizedError(INVALID_TOKEN);
    }
  }
}
