import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { UsersModule } from '../users/users.module';
import { AccessTokenVerifier } from './access-token.verifier';
import { ApiKeysController } from './api-keys/api-keys.controller';
import { ApiKeysRepository } from './api-keys/api-keys.repository';
import { ApiKeysService } from './api-keys/api-keys.service';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { AuthenticationGuard } from './authentication.guard';
import { PasswordService } from './password.service';
import { PermissionsGuard } from './permissions.guard';
import { RefreshTokensRepository } from './refresh-tokens.repository';
import { SessionRevocations } from './session-revocations';
import { SignInAttemptsGuard } from './sign-in-attempts.guard';
import { TokenService } from './token.service';

@Module({
  imports: [UsersModule, JwtModule.register({})],
  controllers: [AuthController, ApiKeysController],
  providers: [
    AccessTokenVerifier,
    ApiKeysRepository,
    ApiKeysService,
    AuthService,
    AuthenticationGuard,
    PasswordService,
    PermissionsGuard,
    RefreshTokensRepository,
    SessionRevocations,
    SignInAttemptsGuard,
    TokenService,
  ],
  exports: [AuthService, AuthenticationGuard, PermissionsGuard],
})
export class AuthModule {}
