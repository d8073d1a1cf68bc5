import { Body, Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { IdParam } from '../../../common/http/id-param.decorator';
import { ApiEnvelope, ApiErrors } from '../../../common/openapi/api-envelope.decorator';
import { RateLimit } from '../../../common/throttling/rate-limit.decorator';
import { AuthenticatedUser, CurrentUser } from '../../../common/auth/authenticated-user';
import {
  RequirePermissions,
  SessionOnly,
} from '../../../common/auth/require-permissions.decorator';
import {
  ApiKeyResponse,
  CreateApiKeyDto,
  CreatedApiKeyResponse,
  toApiKeyResponse,
} from './api-keys.dto';
import { ApiKeysService, MAX_LIVE_API_KEYS } from './api-keys.service';

@ApiTags('API keys')
@RequirePermissions()
@SessionOnly()
@Controller('me/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @RateLimit('credentials')
  @ApiOperation({
    summary: 'Create an API key; the key is shown this once',
    description:
      `At most ${MAX_LIVE_API_KEYS} live keys per user (409 beyond). \`admin\` only for admins. ` +
      'Send it as `Authorization: Bearer <key>` or `X-API-Key: <key>`. Creation counts against ' +
      'RATE_LIMIT_AUTH per user. Signed-in users only: an API key cannot manage keys.',
  })
  @ApiEnvelope(CreatedApiKeyResponse, { status: 201 })
  @ApiErrors('VALIDATION_FAILED', 'CONFLICT', 'RATE_LIMITED')
  async create(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: CreateApiKeyDto,
  ): Promise<CreatedApiKeyResponse> {
    const created = await this.apiKeys.create(user, body);
    return { ...toApiKeyResponse(created), key: created.key };
  }

  @Get()
  @ApiOperation({ summary: "The caller's keys that are not revoked, without secrets" })
  @ApiEnvelope(ApiKeyResponse, { isArray: true })
  async list(@CurrentUser() user: AuthenticatedUser): Promise<ApiKeyResponse[]> {
    return (await this.apiKeys.list(user.id)).map(toApiKeyResponse);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Revoke a key: refused from the next request on',
    description: "Another user's key id is a 404, as if it did not exist.",
  })
  @ApiErrors('VALIDATION_FAILED', 'NOT_FOUND')
  revoke(@CurrentUser() user: AuthenticatedUser, @IdParam() id: string): Promise<void> {
    return this.apiKeys.revoke(user.id, id);
  }
}
