import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { WebhooksController } from './webhooks.controller';
import { WEBHOOKS_QUEUE } from './webhooks.jobs';
import { WebhooksProducer } from './webhooks.producer';
import { WebhooksRepository } from './webhooks.repository';
import { WebhooksService } from './webhooks.service';

/** Managing webhooks over HTTP, and the producer that test and replay use. */
@Module({
  imports: [BullModule.registerQueue({ name: WEBHOOKS_QUEUE })],
  controllers: [WebhooksController],
  providers: [WebhooksService, WebhooksRepository, WebhooksProducer],
  exports: [WebhooksRepository, WebhooksProducer, BullModule],
})
export class WebhooksModule {}
