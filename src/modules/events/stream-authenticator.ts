import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { AuthenticatedUser } from '../../common/auth/authenticated-user';
import { AccessTokenVerifier } from '../auth/access-token.verifier';
import { looksLikeApiKey } from '../auth/api-keys/api-key-secret';
import { ApiKeysService } from '../auth/api-keys/api-keys.service';

/**
 * Authenticates a WebSocket (which bypasses Nest's guards) with the same rules as HTTP's
 * AuthenticationGuard: an access token judged by the account as it is now, or an API key.
 */
@Injectable()
export class StreamAuthenticator {
  constructor(private readonly moduleRef: ModuleRef) {}

  /** Accepts `Bearer <token or key>` or a bare one; throws UNAUTHORIZED. */
  async authenticate(credential: string): Promise<AuthenticatedUser> {
    const token = credential.replace(/^Bearer\s+/i, '').trim();
    return looksLikeApiKey(token)
      ? this.moduleRef.get(ApiKeysService, { strict: false }).authenticate(token)
      : this.moduleRef.get(AccessTokenVerifier, { strict: false }).verify(token);
  }
}
