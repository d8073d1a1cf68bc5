import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  ConflictError,
  NotFoundError,
  UnauthorizedError,
  ValidationFailedError,
} from '../../common/errors/app-error';
import { Page } from '../../common/http/envelope';
import { createdAtCursor, createdAtPage } from '../../common/pagination/cursor';
import { WEBHOOK_TEST_EVENT } from '../../common/vocabulary';
import { AppConfig } from '../../config/app-config';
import { checkHost, hostOf, WebhookAddressError } from './webhook-address';
import { newWebhookSecret } from './webhook-signing';
import { CreateWebhookDto, UpdateWebhookDto } from './webhooks.dto';
import { WebhooksProducer } from './webhooks.producer';
import { DeliveryRow, WebhookRow, WebhooksRepository } from './webhooks.repository';

/** At most this many webhooks per user. */
export const MAX_WEBHOOKS = 10;
/** After a rotation the old secret keeps signing (beside the new one) this long. */
export const SECRET_OVERLAP_MS = 24 * 3600_000;

/**
 * Managing webhooks (API.md "Webhooks"). Deliveries themselves are made by the worker
 * (WebhookDispatcher, WebhookDeliveryService); test and replay record a delivery here and
 * hand it to the queue.
 */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly repository: WebhooksRepository,
    private readonly producer: WebhooksProducer,
    private readonly config: AppConfig,
  ) {}

  async create(userId: string, input: CreateWebhookDto): Promise<WebhookRow & { secret: string }> {
    const marketIds = input.marketIds ?? [];
    await this.checkTarget(input.url);
    await this.checkMarkets(marketIds);
    const secret = newWebhookSecret();
    const row = await this.repository.transaction(async (manager) => {
      if (!(await this.repository.lockOwner(manager, userId))) throw new UnauthorizedError();
      if ((await this.repository.countForUser(manager, userId)) >= MAX_WEBHOOKS) {
        throw new ConflictError(`At most ${MAX_WEBHOOKS} webhooks per user; delete one first.`);
      }
      return this.repository.insert(manager, {
        userId,
        url: input.url,
        events: input.events,
        marketIds,
        secret,
      });
    });
    return { ...row, secret };
  }

  list(userId: string): Promise<WebhookRow[]> {
    return this.repository.listForUser(userId);
  }

  /** Another user's webhook is a 404, as if it did not exist. */
  async get(userId: string, id: string): Promise<WebhookRow> {
    const row = await this.repository.findForUser(userId, id);
    if (!row) throw new NotFoundError('Webhook', id);
    return row;
  }

  async update(userId: string, id: string, changes: UpdateWebhookDto): Promise<WebhookRow> {
    if (Object.values(changes).every((value) => value === undefined)) {
      throw new ValidationFailedError('Nothing to change.', {
        body: ['must set at least one of url, events, marketIds, enabled'],
      });
    }
    await this.get(userId, id);
    if (changes.url !== undefined) await this.checkTarget(changes.url);
    if (changes.marketIds !== undefined) await this.checkMarkets(changes.marketIds);
    const row = await this.repository.update(userId, id, changes);
    if (!row) throw new NotFoundError('Webhook', id);
    return row;
  }

  async delete(userId: string, id: string): Promise<void> {
    if (!(await this.repository.delete(userId, id))) throw new NotFoundError('Webhook', id);
  }

  async rotateSecret(userId: string, id: string): Promise<WebhookRow & { secret: string }> {
    const secret = newWebhookSecret();
    const row = await this.repository.rotateSecret(userId, id, secret, SECRET_OVERLAP_MS);
    if (!row) throw new NotFoundError('Webhook', id);
    return { ...row, secret };
  }

  /** Records a `webhook.test` delivery (outside the webhook's sequence) and sends it now. */
  async sendTest(userId: string, id: string): Promise<DeliveryRow> {
    const webhook = await this.get(userId, id);
    const eventId = randomUUID();
    const delivery = await this.repository.insertDelivery(this.repository.manager, {
      webhookId: webhook.id,
      eventId,
      eventType: WEBHOOK_TEST_EVENT,
      seq: null,
      payload: {
        id: eventId,
        type: WEBHOOK_TEST_EVENT,
        seq: null,
        occurredAt: new Date().toISOString(),
        data: { webhookId: webhook.id, message: 'A test delivery, sent on request.' },
      },
    });
    await this.producer.enqueue(delivery.id, 1);
    return delivery;
  }

  /** Sends a delivery's body again, as a new delivery with the same id and seq. */
  async replay(userId: string, id: string, deliveryId: string): Promise<DeliveryRow> {
    await this.get(userId, id);
    const original = await this.repository.findDelivery(id, deliveryId);
    if (!original) throw new NotFoundError('Delivery', deliveryId);
    const delivery = await this.repository.insertDelivery(this.repository.manager, {
      webhookId: id,
      eventId: original.eventId,
      eventType: original.eventType,
      seq: original.seq,
      payload: original.payload,
      replayOf: original.replayOf ?? original.id,
    });
    await this.producer.enqueue(delivery.id, 1);
    return delivery;
  }

  async deliveries(
    userId: string,
    id: string,
    limit: number,
    cursor?: string,
  ): Promise<Page<DeliveryRow>> {
    await this.get(userId, id);
    const rows = await this.repository.deliveriesPage(id, limit + 1, createdAtCursor(cursor));
    return createdAtPage(rows, limit);
  }

  /** A URL whose host resolves to a non-public address is a 400 (unless allowed by setting). */
  private async checkTarget(url: string): Promise<void> {
    try {
      await checkHost(hostOf(new URL(url)), this.config.webhooks.allowPrivate);
    } catch (error) {
      if (!(error instanceof WebhookAddressError)) throw error;
      throw new ValidationFailedError('The webhook URL must point to a public address.', {
        url: [error.message],
      });
    }
  }

  private async checkMarkets(marketIds: readonly string[]): Promise<void> {
    const unknown = await this.repository.unknownMarkets(marketIds);
    if (unknown.length > 0) {
      throw new ValidationFailedError('Some markets do not exist.', {
        marketIds: unknown.map((id) => `no market ${id}`),
      });
    }
  }
}
