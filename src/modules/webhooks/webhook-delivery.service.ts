import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { WEBHOOK_TEST_EVENT } from '../../common/vocabulary';
import { sendWebhook } from './webhook-sender';
import { signatureHeader, webhookTimestamp } from './webhook-signing';
import { retryDelayMs, WEBHOOK_TIMING } from './webhook-timing';
import { DeliveryWork, WebhooksRepository } from './webhooks.repository';
import { WebhooksProducer } from './webhooks.producer';

export const WEBHOOK_USER_AGENT = 'market-api-webhooks/1';

/** The secrets that sign now: the current one, and the rotated-out one while it is valid. */
export function signingSecrets(work: DeliveryWork, now: Date): string[] {
  const previousValid =
    work.previousSecret !== null &&
    work.previousSecretExpiresAt !== null &&
    work.previousSecretExpiresAt.getTime() > now.getTime();
  return previousValid ? [work.secret, work.previousSecret!] : [work.secret];
}

/**
 * Makes one attempt of one delivery and records it: a 2xx ends the delivery, anything else
 * schedules the next attempt (exponential backoff with jitter, webhook-timing.ts) while the
 * first attempt is less than 24 h old, and a webhook failing for 24 h is disabled with the
 * reason. Runs in the `webhooks` consumer.
 */
@Injectable()
export class WebhookDeliveryService {
  private readonly logger = new Logger(WebhookDeliveryService.name);

  constructor(
    private readonly repository: WebhooksRepository,
    private readonly producer: WebhooksProducer,
    private readonly config: AppConfig,
  ) {}

  async attempt(deliveryId: string, attempt: number): Promise<void> {
    const work = await this.repository.workFor(deliveryId);
    // Gone (webhook deleted), finished, or a duplicate of an attempt already recorded.
    if (!work || work.status !== 'pending' || work.attempts !== attempt - 1) return;
    // Deliveries asked for by hand (test, replay) go out even while the webhook is disabled.
    const manual = work.eventType === WEBHOOK_TEST_EVENT || work.replayOf !== null;
    if (!work.enabled && !manual) {
      await this.repository.recordAttempt(this.repository.manager, deliveryId, attempt, {
        status: 'failed',
        statusCode: null,
        error: 'the webhook is disabled',
        responseBody: null,
        durationMs: null,
        nextAttemptAt: null,
      });
      return;
    }
    const body = JSON.stringify(work.payload);
    const now = new Date();
    const result = await sendWebhook(
      work.url,
      body,
      {
        'user-agent': WEBHOOK_USER_AGENT,
        'webhook-id': work.eventId,
        'webhook-timestamp': webhookTimestamp(now),
        'webhook-signature': signatureHeader(signingSecrets(work, now), work.eventId, now, body),
      },
      {
        timeoutMs: WEBHOOK_TIMING.timeoutMs,
        maxResponseBytes: WEBHOOK_TIMING.maxResponseBytes,
        allowPrivate: this.config.webhooks.allowPrivate,
      },
    );
    if (result.ok) {
      await this.repository.transaction(async (manager) => {
        const recorded = await this.repository.recordAttempt(manager, deliveryId, attempt, {
          status: 'succeeded',
          statusCode: result.statusCode,
          error: null,
          responseBody: result.responseBody,
          durationMs: result.durationMs,
          nextAttemptAt: null,
        });
        if (recorded) await this.repository.markHealthy(manager, work.webhookId);
      });
      return;
    }
    const firstAttemptAt = work.firstAttemptAt ?? now;
    const retry = Date.now() - firstAttemptAt.getTime() < WEBHOOK_TIMING.retryForMs;
    const delay = retryDelayMs(attempt);
    const error = result.error ?? 'failed';
    const { recorded, disabled } = await this.repository.transaction(async (manager) => {
      const wasRecorded = await this.repository.recordAttempt(manager, deliveryId, attempt, {
        status: retry ? 'pending' : 'failed',
        statusCode: result.statusCode,
        error,
        responseBody: result.responseBody,
        durationMs: result.durationMs,
        nextAttemptAt: retry ? new Date(Date.now() + delay) : null,
      });
      const wasDisabled = wasRecorded
        ? await this.repository.markFailing(
            manager,
            work.webhookId,
            WEBHOOK_TIMING.disableAfterMs,
            error,
          )
        : false;
      return { recorded: wasRecorded, disabled: wasDisabled };
    });
    if (disabled) {
      this.logger.warn({ webhookId: work.webhookId, error }, 'webhook disabled after failing');
    }
    if (recorded && retry) await this.producer.enqueue(deliveryId, attempt + 1, delay);
  }
}
