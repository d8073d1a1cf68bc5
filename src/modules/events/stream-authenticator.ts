import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { UnauthorizedError } from '../../common/errors/app-error';
import { AppConfig } from '../../config/app-config';
import { AuthenticatedUser } from '../auth/authenticated-user';
import { JwtStrategy } from '../auth/jwt.strategy';
import { AccessTokenClaims, JWT_ALGORITHM } from '../auth/token.service';

/**
 * Authenticates a WebSocket (which bypasses Nest's guards) with the same rules as HTTP: the
 * JWT is verified with the pinned algorithm, issuer and audience, then JwtStrategy.validate
 * checks its type and whether its session was signed out.
 */
@Injectable()
export class StreamAuthenticator {
  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** Accepts `Bearer <token>` or a bare token; throws UNAUTHORIZED. */
  async authenticate(credential: string): Promise<AuthenticatedUser> {
    const token = credential.replace(/^Bearer\s+/i, '').trim();
    let claims: Partial<AccessTokenClaims>;
    try {
      claims = await this.jwt.verifyAsync<AccessTokenClaims>(token, {
        secret: this.config.auth.jwtSecret,
        algorithms: [JWT_ALGORITHM],
        issuer: this.config.auth.issuer,
        audience: this.config.auth.audience,
      });
    } catch {
      throw new UnauthorizedError('The access token is missing, malformed, expired or revoked.');
    }
    return this.moduleRef.get(JwtStrategy, { strict: false }).validate(claims);
  }
}
