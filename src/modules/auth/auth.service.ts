import { Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { UnauthorizedError } from '../../common/errors/app-error';
import { AttemptLimiter } from '../../common/throttling/attempt-limiter';
import { AppConfig } from '../../config/app-config';
import { TransactionRunner } from '../../database/transaction-runner';
import { toUserResponse } from '../users/dto/user.response';
import { EmailTakenError, UserRow } from '../users';
import { UsersService } from '../users/users.service';
import { LoginDto, RegisterDto, TokensResponse } from './dto/auth.dto';
import { PasswordService } from './password.service';
import { RefreshTokensRepository } from './refresh-tokens.repository';
import { SessionRevocations } from './session-revocations';
import { signInAttemptKey } from './sign-in-attempts.guard';
import { TokenService } from './token.service';

const BAD_CREDENTIALS = 'The email or password is wrong.';
const BAD_REFRESH = 'The refresh token is invalid, expired or already used.';

type RefreshOutcome =
  | { kind: 'rotated'; tokens: TokensResponse }
  | { kind: 'reused'; familyId: string }
  | { kind: 'stale' };

@Injectable()
export class AuthService implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(AuthService.name);

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly users: UsersService,
    private readonly passwords: PasswordService,
    private readonly tokens: TokenService,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly revocations: SessionRevocations,
    private readonly config: AppConfig,
    private readonly attempts: AttemptLimiter,
  ) {}

  /** A role change revokes every refresh family of the user, in the change's transaction. */
  onModuleInit(): void {
    this.users.onRoleChange(async (manager, userId) => {
      await this.refreshTokens.revokeAllForUser(manager, userId);
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    const { email, password } = this.config.admin;
    if (email && password) await this.ensureAdmin(email, password);
  }

  /** Creates the admin if no account has this email; an existing account is left as it is. */
  async ensureAdmin(email: string, password: string): Promise<'created' | 'exists'> {
    if (await this.users.findCredentials(email)) return 'exists';
    try {
      await this.users.create({
        email,
        passwordHash: await this.passwords.hash(password),
        displayName: 'Administrator',
        role: 'admin',
      });
      this.logger.log({ email }, 'created the first admin');
      return 'created';
    } catch (error) {
      // Another instance created it at the same moment.
      if (error instanceof EmailTakenError) return 'exists';
      throw error;
    }
  }

  async register(input: RegisterDto): Promise<TokensResponse> {
    const user = await this.users.create({
      email: input.email,
      passwordHash: await this.passwords.hash(input.password),
      displayName: input.displayName,
    });
    return this.transactions.run((manager) => this.startSession(manager, user, randomUUID()));
  }

  /** Unknown email and wrong password fail the same way, after the same argon2 work. */
  async login(input: LoginDto): Promise<TokensResponse> {
    const credentials = await this.users.findCredentials(input.email);
    const valid = await this.passwords.verify(credentials?.passwordHash, input.password);
    if (!credentials || !valid) throw new UnauthorizedError(BAD_CREDENTIALS);
    await this.attempts.reset(signInAttemptKey(input.email)).catch(() => undefined);
    const user = await this.users.getById(credentials.id);
    return this.transactions.run((manager) => this.startSession(manager, user, randomUUID()));
  }

  /**
   * Rotates a refresh token. Presenting one that was already used means it leaked: the whole
   * session is revoked (committed) and the caller gets 401.
   */
  async refresh(refreshToken: string): Promise<TokensResponse> {
    const outcome = await this.transactions.run(async (manager): Promise<RefreshOutcome | null> => {
      const stored = await this.refreshTokens.lockByHash(
        manager,
        this.tokens.hashRefreshToken(refreshToken),
      );
      if (!stored || stored.revokedAt || stored.expiresAt.getTime() <= Date.now()) return null;
      if (stored.usedAt) {
        await this.revokeSession(manager, stored.familyId);
        return { kind: 'reused', familyId: stored.familyId };
      }
      // The role changed (or the account went) since this session began: its refresh
      // tokens are revoked, and the user signs in again under the new authority.
      const user = await this.users.findById(manager, stored.userId);
      if (!user || user.authorityVersion !== stored.authorityVersion) {
        await this.revokeSession(manager, stored.familyId);
        return { kind: 'stale' };
      }
      await this.refreshTokens.markUsed(manager, stored.id);
      return { kind: 'rotated', tokens: await this.startSession(manager, user, stored.familyId) };
    });
    if (outcome?.kind === 'rotated') return outcome.tokens;
    if (outcome?.kind === 'reused') {
      this.logger.warn({ sessionId: outcome.familyId }, 'refresh token reuse: session revoked');
    }
    throw new UnauthorizedError(BAD_REFRESH);
  }

  /** Revokes the token's whole session. Unknown tokens are ignored: logout is idempotent. */
  async logout(refreshToken: string): Promise<void> {
    await this.transactions.run(async (manager) => {
      const stored = await this.refreshTokens.lockByHash(
        manager,
        this.tokens.hashRefreshToken(refreshToken),
      );
      if (stored) await this.revokeSession(manager, stored.familyId);
    });
  }

  /** Revokes the session's refresh tokens now and, once that commits, its access tokens. */
  private async revokeSession(manager: EntityManager, familyId: string): Promise<void> {
    await this.refreshTokens.revokeFamily(manager, familyId);
    this.transactions.afterCommit(manager, () => this.revocations.revoke(familyId));
  }

  private async startSession(
    manager: EntityManager,
    user: UserRow,
    familyId: string,
  ): Promise<TokensResponse> {
    const refresh = this.tokens.newRefreshToken();
    await this.refreshTokens.insert(manager, {
      familyId,
      userId: user.id,
      tokenHash: refresh.hash,
      expiresAt: refresh.expiresAt,
      authorityVersion: user.authorityVersion,
    });
    return {
      user: toUserResponse(user),
      accessToken: await this.tokens.signAccessToken(
        user.id,
        user.role,
        familyId,
        user.authorityVersion,
      ),
      refreshToken: refresh.token,
      expiresIn: this.config.auth.accessTtlSeconds,
      tokenType: 'Bearer',
    };
  }
}
