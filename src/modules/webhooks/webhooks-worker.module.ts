import { Module } from '@nestjs/common';
import { WebhookDeliveryService } from './webhook-delivery.service';
import { WebhookDispatcher } from './webhook-dispatcher.service';
import { WebhooksConsumer } from './webhooks.consumer';
import { WebhooksModule } from './webhooks.module';

/**
 * The dispatcher (event log → delivery rows and jobs) and the `webhooks` consumer; imported
 * by WorkersModule only (worker and all roles).
 */
@Module({
  imports: [WebhooksModule],
  providers: [WebhookDispatcher, WebhookDeliveryService, WebhooksConsumer],
})
export class WebhooksWorkerModule {}
