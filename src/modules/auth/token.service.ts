import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { AppConfig } from '../../config/app-config';
import { Role } from '../users';

export const JWT_ALGORITHM = 'HS256';

export interface AccessTokenClaims {
  sub: string;
  role: Role;
  type: 'access';
  sid: string;
  /** The user's authority version at issue; a role change since makes the token stale. */
  av: number;
  iss: string;
  aud: string;
  iat: number;
  exp: number;
  jti: string;
}

/** Signs access JWTs and mints opaque refresh tokens (stored only as SHA-256). */
@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
  ) {}

  signAccessToken(
    userId: string,
    role: Role,
    sessionId: string,
    authorityVersion: number,
  ): Promise<string> {
    const { issuer, audience, accessTtlSeconds, jwtSecret } = this.config.auth;
    return this.jwt.signAsync(
      { role, type: 'access', sid: sessionId, av: authorityVersion },
      {
        secret: jwtSecret,
        algorithm: JWT_ALGORITHM,
        subject: userId,
        issuer,
        audience,
        expiresIn: accessTtlSeconds,
        jwtid: randomUUID(),
      },
    );
  }

  newRefreshToken(): { token: string; hash: string; expiresAt: Date } {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + this.config.auth.refreshTtlSeconds * 1000);
    return { token, hash: this.hashRefreshToken(token), expiresAt };
  }

  hashRefreshToken(token: string): string {
    return createHash('sha256').update(token).digest('hex');
  }
}
