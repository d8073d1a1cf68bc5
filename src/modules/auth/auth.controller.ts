import { Body, Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiEnvelope, ApiErrors } from '../../common/openapi/api-envelope.decorator';
import { RateLimit } from '../../common/throttling/rate-limit.decorator';
import { UserResponse, toUserResponse } from '../users/dto/user.response';
import { UsersService } from '../users/users.service';
import { AuthService } from './auth.service';
import { AuthenticatedUser, CurrentUser } from '../../common/auth/authenticated-user';
import { LoginDto, RefreshTokenDto, RegisterDto, TokensResponse } from './dto/auth.dto';
import { RequirePermissions } from '../../common/auth/require-permissions.decorator';
import { NoStore } from './no-store.decorator';
import { SignInAttemptsGuard } from './sign-in-attempts.guard';

@ApiTags('Auth')
@NoStore()
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
  ) {}

  @Post('register')
  @RateLimit('auth')
  @ApiOperation({ summary: 'Create an account (role user, starting balance) and sign in' })
  @ApiEnvelope(TokensResponse, { status: 201 })
  @ApiErrors('VALIDATION_FAILED', 'CONFLICT', 'RATE_LIMITED', 'SERVICE_UNAVAILABLE')
  register(@Body() body: RegisterDto): Promise<TokensResponse> {
    return this.auth.register(body);
  }

  @Post('login')
  @HttpCode(200)
  @RateLimit('auth')
  @UseGuards(SignInAttemptsGuard)
  @ApiOperation({
    summary: 'Sign in with email and password',
    description:
      'Limited per IP and per account: after RATE_LIMIT_AUTH attempts at one email within the ' +
      'window, each further attempt waits twice as long as the last (429 with Retry-After).',
  })
  @ApiEnvelope(TokensResponse)
  @ApiErrors('VALIDATION_FAILED', 'UNAUTHORIZED', 'RATE_LIMITED', 'SERVICE_UNAVAILABLE')
  login(@Body() body: LoginDto): Promise<TokensResponse> {
    return this.auth.login(body);
  }

  @Post('refresh')
  @HttpCode(200)
  @RateLimit('auth')
  @ApiOperation({
    summary: 'Exchange a refresh token for a new pair',
    description: 'Single use. Presenting a used refresh token revokes the whole session (401).',
  })
  @ApiEnvelope(TokensResponse)
  @ApiErrors('VALIDATION_FAILED', 'UNAUTHORIZED', 'RATE_LIMITED', 'SERVICE_UNAVAILABLE')
  refresh(@Body() body: RefreshTokenDto): Promise<TokensResponse> {
    return this.auth.refresh(body.refreshToken);
  }

  @Post('logout')
  @HttpCode(204)
  @ApiOperation({
    summary: "Sign out: revoke the refresh token's session",
    description: 'Always 204.',
  })
  @ApiErrors('VALIDATION_FAILED')
  logout(@Body() body: RefreshTokenDto): Promise<void> {
    return this.auth.logout(body.refreshToken);
  }

  @Get('me')
  @RequirePermissions()
  @ApiOperation({ summary: "The caller's profile and balance" })
  @ApiEnvelope(UserResponse)
  async me(@CurrentUser() user: AuthenticatedUser): Promise<UserResponse> {
    return toUserResponse(await this.users.getById(user.id));
  }
}
