import { Controller, Get, Headers, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ServiceUnavailableError } from '../../common/errors/app-error';
import { Page } from '../../common/http/envelope';
import { ApiEnvelope, ApiErrors } from '../../common/openapi/api-envelope.decorator';
import { AuthenticatedUser, CurrentUser } from '../../common/auth/authenticated-user';
import { RequirePermissions } from '../../common/auth/require-permissions.decorator';
import { EventLogRepository } from './event-log.repository';
import { PrivateEvent, PublicEvent } from './event-log.types';
import { EventStreamsService, parseSeq } from './event-streams.service';
import { EventResponse, EventsQueryDto, MeStreamQueryDto, StreamQueryDto } from './dto/events.dto';
import { LiveEventsHub } from './live-events.hub';
import { serveSse } from './sse';
import { StreamLimits } from './stream-limits';
import { StreamMetrics } from './stream.metrics';

const SSE_DESCRIPTION =
  'Server-Sent Events. Each event: `id: <seq>`, `event: <type>`, `data: <event JSON>`. Resume ' +
  'with `Last-Event-ID` (an EventSource sends it by itself) or `after`: missed events are ' +
  'replayed from the log, then live events follow, with no gap and no duplicate. A comment ' +
  'line every 15 s; the server ends a stream with `event: close` (`data.reason` is ' +
  '`shutdown`, `slow_consumer` or `unavailable`, `data.resumeAfter` the seq to resume after).';

const sseResponse = (example: string) =>
  ApiResponse({
    status: 200,
    description: SSE_DESCRIPTION,
    content: { 'text/event-stream': { schema: { type: 'string', example } } },
  });

@ApiTags('Events')
@Controller()
export class EventsController {
  constructor(
    private readonly eventLog: EventLogRepository,
    private readonly streams: EventStreamsService,
    private readonly hub: LiveEventsHub,
    private readonly limits: StreamLimits,
    private readonly metrics: StreamMetrics,
  ) {}

  @Get('events')
  @ApiOperation({
    summary: 'Public events after a seq, oldest first',
    description:
      'The public event log: every committed market change, with a global gap-free `seq`. ' +
      'Continue with `after=meta.pagination.nextAfter`. Events are kept EVENTS_RETENTION_DAYS ' +
      '(default 7); an older `after` is 410 with `details.oldestSeq`. Never names a trader.',
  })
  @ApiEnvelope(EventResponse, { isArray: true })
  @ApiErrors('VALIDATION_FAILED', 'EVENTS_EXPIRED')
  async events(@Query() query: EventsQueryDto): Promise<Page<PublicEvent>> {
    const after = await this.streams.publicStart(query.after);
    const items = await this.eventLog.publicAfter(after, query.limit, {
      marketIds: query.marketId ? [query.marketId] : undefined,
      types: query.type ? [query.type] : undefined,
    });
    return new Page(items, {
      limit: query.limit,
      nextAfter: items.length > 0 ? items[items.length - 1].seq : after,
      hasMore: items.length === query.limit,
    });
  }

  @Get('stream')
  @ApiOperation({ summary: 'Live public events (SSE), optionally of some markets' })
  @ApiProduces('text/event-stream')
  @sseResponse(
    'id: 4811\nevent: trade.executed\ndata: {"seq":4811,"id":"…","type":"trade.executed",…}\n\n',
  )
  @ApiErrors('VALIDATION_FAILED', 'EVENTS_EXPIRED', 'RATE_LIMITED', 'SERVICE_UNAVAILABLE')
  async stream(
    @Query() query: StreamQueryDto,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const start = await this.streams.publicStart(
      parseSeq(lastEventId, 'Last-Event-ID') ?? query.after,
    );
    this.refuseWhileStopping();
    const release = this.limits.acquireIp(request.ip);
    serveSse<PublicEvent>(reply, this.hub, this.metrics, release, (sink) =>
      this.streams.openPublic(start, query.marketId, sink),
    );
  }

  @Get('me/stream')
  @RequirePermissions('read')
  @ApiOperation({
    summary: "The caller's own events (SSE): fills, balance changes, settlements",
    description:
      "Types: `trade.executed` (the caller's fill, with its trade), `balance.changed` " +
      '(`kind`, `amount`, `balanceAfter`), `position.settled` (`payout`). `seq` counts the ' +
      "caller's events only.",
  })
  @ApiProduces('text/event-stream')
  @sseResponse(
    'id: 7\nevent: balance.changed\ndata: {"seq":7,"type":"balance.changed","data":{"kind":"buy","amount":"-10.00","balanceAfter":"990.00",…}}\n\n',
  )
  @ApiErrors(
    'VALIDATION_FAILED',
    'UNAUTHORIZED',
    'EVENTS_EXPIRED',
    'RATE_LIMITED',
    'SERVICE_UNAVAILABLE',
  )
  async meStream(
    @CurrentUser() user: AuthenticatedUser,
    @Query() query: MeStreamQueryDto,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const start = await this.streams.privateStart(
      user.id,
      parseSeq(lastEventId, 'Last-Event-ID') ?? query.after,
    );
    this.refuseWhileStopping();
    const releaseUser = this.limits.acquireUser(user.id);
    let releaseIp: () => void;
    try {
      releaseIp = this.limits.acquireIp(request.ip);
    } catch (error) {
      releaseUser();
      throw error;
    }
    const release = () => {
      releaseIp();
      releaseUser();
    };
    serveSse<PrivateEvent>(reply, this.hub, this.metrics, release, (sink) =>
      this.streams.openPrivate(user.id, start, sink),
    );
  }

  private refuseWhileStopping(): void {
    if (this.hub.isStopped) {
      throw new ServiceUnavailableError(
        'The server is shutting down; reconnect to another instance.',
      );
    }
  }
}
