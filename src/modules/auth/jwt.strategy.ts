import { Injectable } from '@nestjs/common';
import { createSecretKey } from 'node:crypto';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { UnauthorizedError } from '../../common/errors/app-error';
import { AppConfig } from '../../config/app-config';
import { ROLES } from '../users';
import { AuthenticatedUser } from '../../common/auth/authenticated-user';
import { SessionRevocations } from './session-revocations';
import { AccessTokenClaims, JWT_ALGORITHM } from './token.service';

/**
 * Verifies access tokens with the algorithm, issuer and audience pinned: `alg: none`, another
 * algorithm, a wrong signature, an expired token or a refresh token are all refused.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    config: AppConfig,
    private readonly revocations: SessionRevocations,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // A KeyObject made once: given a string, jsonwebtoken first tries createPublicKey() on
      // it (which throws for an HMAC secret) and then createSecretKey(), on every request;
      // that was 10 % of a buy's CPU (docs/benchmarks.md, Profiling). passport-jwt passes the
      // key through to jsonwebtoken, which accepts a KeyObject; its types only say string.
      secretOrKey: createSecretKey(Buffer.from(config.auth.jwtSecret, 'utf8')) as unknown as string,
      algorithms: [JWT_ALGORITHM],
      issuer: config.auth.issuer,
      audience: config.auth.audience,
      ignoreExpiration: false,
    });
  }

  async validate(claims: Partial<AccessTokenClaims>): Promise<AuthenticatedUser> {
    if (
      claims.type !== 'access' ||
      typeof claims.sub !== 'string' ||
      typeof claims.sid !== 'string' ||
      !ROLES.includes(claims.role as never)
    ) {
      throw new UnauthorizedError('The token is not an access token.');
    }
    if (await this.revocations.isRevoked(claims.sid)) {
      throw new UnauthorizedError('The session was signed out.');
    }
    return { id: claims.sub, role: claims.role!, sessionId: claims.sid };
  }
}
