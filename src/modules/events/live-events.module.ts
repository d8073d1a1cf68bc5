import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { EventStreamsService } from './event-streams.service';
import { EventsController } from './events.controller';
import { LiveEventsGateway } from './live-events.gateway';
import { LiveEventsHub } from './live-events.hub';
import { StreamAuthenticator } from './stream-authenticator';
import { StreamLimits } from './stream-limits';
import { StreamMetrics } from './stream.metrics';

/**
 * The HTTP side of the event log (API processes only): GET /api/events, the SSE streams,
 * the WebSocket and the hub that fans the log out to this instance's clients.
 */
@Module({
  imports: [JwtModule.register({})],
  controllers: [EventsController],
  providers: [
    LiveEventsHub,
    EventStreamsService,
    StreamLimits,
    StreamMetrics,
    StreamAuthenticator,
    LiveEventsGateway,
  ],
})
export class LiveEventsModule {}
