import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { createSecretKey, KeyObject } from 'node:crypto';
import { UnauthorizedError } from '../../common/errors/app-error';
import { AppConfig } from '../../config/app-config';
import { UserAuthorityService } from '../users/user-authority.service';
import { AuthenticatedUser } from '../../common/auth/authenticated-user';
import { SessionRevocations } from './session-revocations';
import { AccessTokenClaims, JWT_ALGORITHM } from './token.service';

const INVALID_TOKEN = 'The access token is missing, malformed, expired or revoked.';

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
