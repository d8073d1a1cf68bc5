import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthenticatedUser, CurrentUser } from '../../common/auth/authenticated-user';
import { RequirePermissions } from '../../common/auth/require-permissions.decorator';
import { Page } from '../../common/http/envelope';
import { IdParam } from '../../common/http/id-param.decorator';
import { ApiEnvelope, ApiErrors } from '../../common/openapi/api-envelope.decorator';
import { CursorPageQueryDto } from '../../common/pagination/pagination.dto';
import {
  CreateWebhookDto,
  toDeliveryResponse,
  toWebhookResponse,
  UpdateWebhookDto,
  WebhookDeliveryResponse,
  WebhookResponse,
  WebhookWithSecretResponse,
} from './webhooks.dto';
import { MAX_WEBHOOKS, WebhooksService } from './webhooks.service';

const NOT_YOURS = "Another user's webhook id is a 404, as if it did not exist.";

/**
 * The caller's webhooks. `write` permission: signed-in users, and API keys with the `trade`
 * scope (API.md: `trade` covers webhooks); a `read` key is refused (403).
 */
@ApiTags('Webhooks')
@RequirePermissions('write')
@Controller('me/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @ApiOperation({
    summary: 'Register a webhook; its signing secret is shown this once',
    description:
      `At most ${MAX_WEBHOOKS} per user (409 beyond). Each event is POSTed as ` +
      '`{id, type, seq, occurredAt, data}` with Standard Webhooks headers (`webhook-id`, ' +
      '`webhook-timestamp`, `webhook-signature`); see docs/webhooks.md. A URL whose host ' +
      'resolves to a loopback, private, link-local, CGNAT or metadata address is a 400.',
  })
  @ApiEnvelope(WebhookWithSecretResponse, { status: 201 })
  @ApiErrors('VALIDATION_FAILED', 'CONFLICT')
  async create(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: CreateWebhookDto,
  ): Promise<WebhookWithSecretResponse> {
    const created = await this.webhooks.create(user.id, body);
    return { ...toWebhookResponse(created), secret: created.secret };
  }

  @Get()
  @ApiOperation({ summary: "The caller's webhooks, oldest first, without secrets" })
  @ApiEnvelope(WebhookResponse, { isArray: true })
  async list(@CurrentUser() user: AuthenticatedUser): Promise<WebhookResponse[]> {
    return (await this.webhooks.list(user.id)).map(toWebhookResponse);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One webhook, without its secret', description: NOT_YOURS })
  @ApiEnvelope(WebhookResponse)
  @ApiErrors('VALIDATION_FAILED', 'NOT_FOUND')
  async get(
    @CurrentUser() user: AuthenticatedUser,
    @IdParam() id: string,
  ): Promise<WebhookResponse> {
    return toWebhookResponse(await this.webhooks.get(user.id, id));
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change the URL, events, markets, or pause and resume',
    description:
      'Only the fields sent change (at least one). `enabled: true` resumes a webhook the ' +
      `server disabled and clears \`disabledReason\`. ${NOT_YOURS}`,
  })
  @ApiEnvelope(WebhookResponse)
  @ApiErrors('VALIDATION_FAILED', 'NOT_FOUND')
  async update(
    @CurrentUser() user: AuthenticatedUser,
    @IdParam() id: string,
    @Body() body: UpdateWebhookDto,
  ): Promise<WebhookResponse> {
    return toWebhookResponse(await this.webhooks.update(user.id, id, body));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a webhook and its deliveries log; pending deliveries are dropped',
    description: NOT_YOURS,
  })
  @ApiErrors('VALIDATION_FAILED', 'NOT_FOUND')
  delete(@CurrentUser() user: AuthenticatedUser, @IdParam() id: string): Promise<void> {
    return this.webhooks.delete(user.id, id);
  }

  @Post(':id/test')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send a `webhook.test` delivery now',
    description:
      'Sent even while the webhook is disabled, so a fixed receiver can be checked before ' +
      `resuming. Its \`seq\` is null: it is outside the webhook's sequence. ${NOT_YOURS}`,
  })
  @ApiEnvelope(WebhookDeliveryResponse, { status: 202 })
  @ApiErrors('VALIDATION_FAILED', 'NOT_FOUND')
  async test(
    @CurrentUser() user: AuthenticatedUser,
    @IdParam() id: string,
  ): Promise<WebhookDeliveryResponse> {
    return toDeliveryResponse(await this.webhooks.sendTest(user.id, id));
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Replace the signing secret; the old one keeps signing too for 24 h',
    description:
      'Until `previousSecretExpiresAt`, `webhook-signature` carries two signatures (new and ' +
      'old secret), so receivers can switch secrets without losing a delivery. The new secret ' +
      `is shown this once. ${NOT_YOURS}`,
  })
  @ApiEnvelope(WebhookWithSecretResponse)
  @ApiErrors('VALIDATION_FAILED', 'NOT_FOUND')
  async rotateSecret(
    @CurrentUser() user: AuthenticatedUser,
    @IdParam() id: string,
  ): Promise<WebhookWithSecretResponse> {
    const rotated = await this.webhooks.rotateSecret(user.id, id);
    return { ...toWebhookResponse(rotated), secret: rotated.secret };
  }

  @Get(':id/deliveries')
  @ApiOperation({
    summary: "The webhook's deliveries, newest first (cursor pages)",
    description: NOT_YOURS,
  })
  @ApiEnvelope(WebhookDeliveryResponse, { paginated: 'cursor' })
  @ApiErrors('VALIDATION_FAILED', 'NOT_FOUND')
  async deliveries(
    @CurrentUser() user: AuthenticatedUser,
    @IdParam() id: string,
    @Query() query: CursorPageQueryDto,
  ): Promise<Page<WebhookDeliveryResponse>> {
    const page = await this.webhooks.deliveries(user.id, id, query.limit, query.cursor);
    return new Page(page.items.map(toDeliveryResponse), page.pagination);
  }

  @Post(':id/deliveries/:deliveryId/replay')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Deliver that event again',
    description:
      'A new delivery (with `replayOf`) of the same body: same `id` and `seq`, so a receiver ' +
      `that keeps the ids it has seen can tell. ${NOT_YOURS}`,
  })
  @ApiEnvelope(WebhookDeliveryResponse, { status: 202 })
  @ApiErrors('VALIDATION_FAILED', 'NOT_FOUND')
  async replay(
    @CurrentUser() user: AuthenticatedUser,
    @IdParam() id: string,
    @IdParam('deliveryId') deliveryId: string,
  ): Promise<WebhookDeliveryResponse> {
    return toDeliveryResponse(await this.webhooks.replay(user.id, id, deliveryId));
  }
}
