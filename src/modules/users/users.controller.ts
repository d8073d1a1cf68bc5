import { Body, Controller, Get, Patch, Post, Query } from '@nestjs/common';
import type { Idempotent } from '../../database/idempotency/idempotency-store';
import { IdempotencyKey, IdempotentRoute } from '../../common/http/idempotency-key.decorator';
import { AuthenticatedUser, CurrentUser } from '../../common/auth/authenticated-user';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { IdParam } from '../../common/http/id-param.decorator';
import { Page } from '../../common/http/envelope';
import { ApiEnvelope, ApiErrors } from '../../common/openapi/api-envelope.decorator';
import { PageQueryDto } from '../../common/pagination/pagination.dto';
import { RequirePermissions } from '../../common/auth/require-permissions.decorator';
import { LedgerEntryResponse, UserResponse, toUserResponse } from './dto/user.response';
import { ChangeRoleDto, GrantCreditsDto } from './dto/users.dto';
import { UsersService } from './users.service';

@ApiTags('Users (admin)')
@RequirePermissions('admin')
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOperation({ summary: 'List users, newest first (offset or cursor pages)' })
  @ApiEnvelope(UserResponse, { paginated: 'either' })
  @ApiErrors('VALIDATION_FAILED')
  async list(@Query() query: PageQueryDto): Promise<Page<UserResponse>> {
    const page =
      query.cursor !== undefined || query.offset === undefined
        ? await this.users.pageByCursor(query.limit, query.cursor)
        : await this.users.pageByOffset(query.limit, query.offset);
    return new Page(page.items.map(toUserResponse), page.pagination);
  }

  @Patch(':id/role')
  @ApiOperation({ summary: "Change a user's role; the last admin cannot be demoted" })
  @ApiEnvelope(UserResponse)
  @ApiErrors('VALIDATION_FAILED', 'NOT_FOUND', 'CONFLICT')
  async changeRole(@IdParam() id: string, @Body() body: ChangeRoleDto): Promise<UserResponse> {
    return toUserResponse(await this.users.changeRole(id, body.role));
  }

  @Post(':id/credits')
  @IdempotentRoute()
  @ApiOperation({ summary: 'Grant credits (a `grant` ledger entry)' })
  @ApiEnvelope(LedgerEntryResponse, { status: 201 })
  @ApiErrors('VALIDATION_FAILED', 'NOT_FOUND')
  async grant(
    @CurrentUser() admin: AuthenticatedUser,
    @IdParam() id: string,
    @Body() body: GrantCreditsDto,
    @IdempotencyKey() key: string | undefined,
  ): Promise<Idempotent<LedgerEntryResponse>> {
    return this.users.grantCredits(admin, id, body, key);
  }
}
