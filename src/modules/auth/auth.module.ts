import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { AuthenticationGuard } from './authentication.guard';
import { JwtStrategy } from './jwt.strategy';
import { PasswordService } from './password.service';
import { PermissionsGuard } from './permissions.guard';
import { RefreshTokensRepository } from './refresh-tokens.repository';
import { SessionRevocations } from './session-revocations';
import { TokenService } from './token.service';

@Module({
  imports: [UsersModule, PassportModule, JwtModule.register({})],
  controllers: [AuthController],
  providers: [
    AuthService,
    AuthenticationGuard,
    JwtStrategy,
    PasswordService,
    PermissionsGuard,
    RefreshTokensRepository,
    SessionRevocations,
    TokenService,
  ],
  exports: [AuthService, AuthenticationGuard, PermissionsGuard],
})
export class AuthModule {}
