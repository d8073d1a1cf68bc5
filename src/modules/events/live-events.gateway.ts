import websocket from '@fastify/websocket';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { AppError, ValidationFailedError } from '../../common/errors/app-error';
import { errorEnvelope } from '../../common/filters/all-exceptions.filter';
import { documentFastifyRoute } from '../../common/openapi/fastify-routes';
import { AuthenticatedUser } from '../../common/auth/authenticated-user';
import { PrivateEvent, PublicEvent } from './event-log.types';
import { EventStreamsService, parseSeq, StreamSubscription } from './event-streams.service';
import { CloseHint, LiveEventsHub } from './live-events.hub';
import { StreamAuthenticator } from './stream-authenticator';
import { Sequenced, STREAM_TIMING, StreamSink } from './stream-cursor';
import { StreamLimits } from './stream-limits';
import { StreamMetrics } from './stream.metrics';

export const WS_PATH = '/api/ws';
/** Largest client message: subscriptions are small. */
const MAX_MESSAGE_BYTES = 4 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Query parameters that would put a credential in the URL (and so in logs): refused. */
const CREDENTIAL_PARAMS = ['token', 'access_token', 'accessToken', 'api_key', 'apiKey', 'key'];

/** WebSocket close codes the server uses (4xxx are application codes). */
export const WS_CLOSE = {
  /** Shutdown: reconnect (to another instance) and resume. */
  serviceRestart: 1012,
  /** The client left too much unread. */
  slowConsumer: 4008,
  /** No pong to the server's ping within two heartbeats. */
  unresponsive: 4000,
} as const;

documentFastifyRoute({
  path: WS_PATH,
  method: 'get',
  errorCodes: ['RATE_LIMITED'],
  operation: {
    operationId: 'LiveEventsGateway_ws',
    tags: ['Events'],
    summary: 'The event streams over one WebSocket',
    description:
      'Upgrade with `Connection: Upgrade` and `Upgrade: websocket`; a plain GET is a 400. ' +
      'Then send `{"op":"subscribe","channel":"markets"|"market:<id>"|"me","after"?:<seq>}`, ' +
      '`unsubscribe`, `ping`; every server message carries its channel and `seq`. The access ' +
      'token or API key goes in the `Authorization` header of the upgrade or in a first ' +
      '`{"op":"auth","token":…}` message, never in the URL (a `token` parameter is a 400). ' +
      'Refusals before the handshake are HTTP errors with the envelope. Messages: the ' +
      'AsyncAPI document and docs/streaming.md.',
    responses: { '101': { description: 'Switching Protocols: the WebSocket is open.' } },
  },
});

type ChannelName = string;

interface ClientMessage {
  op?: unknown;
  channel?: unknown;
  after?: unknown;
  token?: unknown;
}

/**
 * GET /api/ws: the event streams over one WebSocket (@fastify/websocket, registered on the
 * Fastify instance Nest runs on, so it bypasses Nest's guards and pipes: it authenticates
 * and validates itself). Channels: `markets` (all public events), `market:<id>`, `me`.
 */
@Injectable()
export class LiveEventsGateway implements OnModuleInit {
  private readonly logger = new Logger(LiveEventsGateway.name);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly streams: EventStreamsService,
    private readonly hub: LiveEventsHub,
    private readonly limits: StreamLimits,
    private readonly metrics: StreamMetrics,
    private readonly authenticator: StreamAuthenticator,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    // Registered as a plugin Fastify loads with the others at ready(), not awaited here:
    // awaiting it at module init loaded the plugin queue early, before Nest installed its
    // error handler, and body-parser errors then skipped the error envelope.
    void fastify.register(async (instance) => {
      await instance.register(websocket, { options: { maxPayload: MAX_MESSAGE_BYTES } });
      this.mountRoute(instance);
    });
  }

  private mountRoute(fastify: FastifyInstance): void {
    fastify.route({
      method: 'GET',
      url: WS_PATH,
      // Runs on the upgrade request, before the handshake: refusals are plain HTTP errors.
      preValidation: async (request: FastifyRequest, reply: FastifyReply) => {
        try {
          const query = (request.query ?? {}) as Record<string, unknown>;
          if (CREDENTIAL_PARAMS.some((name) => name in query)) {
            throw new ValidationFailedError(
              'Credentials are never accepted in the URL: send the access token in the ' +
                'Authorization header or in the first message ({"op":"auth","token":…}).',
            );
          }
          const header = request.headers.authorization;
          const user = header ? await this.authenticator.authenticate(header) : undefined;
          if (this.hub.isStopped) {
            throw new AppError('SERVICE_UNAVAILABLE', 'The server is shutting down.');
          }
          const release = this.limits.acquireIp(request.ip);
          (request as WsRequest).streamState = { user, release };
        } catch (error) {
          const { status, body } = errorEnvelope(error, request.id, this.logger);
          return reply.status(status).send(body);
        }
      },
      // A plain GET (no Upgrade header) is a client error, answered with the envelope.
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        (request as WsRequest).streamState?.release();
        const { status, body } = errorEnvelope(
          new ValidationFailedError(
            `${WS_PATH} is a WebSocket endpoint: connect with "Connection: Upgrade" and ` +
              '"Upgrade: websocket".',
          ),
          request.id,
          this.logger,
        );
        return reply.status(status).send(body);
      },
      wsHandler: (socket: WebSocket, request: FastifyRequest) => {
        const state = (request as WsRequest).streamState!;
        new WsSession(socket, state.user, state.release, this).start();
      },
    });
  }

  /** For WsSession: everything it needs from the module. */
  get deps() {
    return {
      streams: this.streams,
      hub: this.hub,
      limits: this.limits,
      metrics: this.metrics,
      authenticator: this.authenticator,
    };
  }
}

type WsRequest = FastifyRequest & {
  streamState?: { user?: AuthenticatedUser; release: () => void };
};

/** One WebSocket connection and its channel subscriptions. */
class WsSession {
  private readonly subscriptions = new Map<ChannelName, StreamSubscription>();
  private releaseUser?: () => void;
  private alive = true;
  private heartbeat?: NodeJS.Timeout;
  private untrack?: () => void;
  private closed = false;
  private inbox: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: WebSocket,
    private user: AuthenticatedUser | undefined,
    private readonly releaseIp: () => void,
    private readonly gateway: LiveEventsGateway,
  ) {}

  private get deps() {
    return this.gateway.deps;
  }

  start(): void {
    const { metrics, hub } = this.deps;
    metrics.openConnections.inc({ transport: 'ws' });
    this.untrack = hub.track((hint) => this.closeFor(hint));
    this.socket.on('message', (raw, isBinary) => {
      // Text frames arrive as one Buffer (binaryType 'nodebuffer', the default).
      const text = isBinary ? '' : (raw as Buffer).toString('utf8');
      // One message at a time, in order: "auth" then "subscribe me" must not race.
      this.inbox = this.inbox.then(() => this.onMessage(text));
    });
    this.socket.on('pong', () => (this.alive = true));
    this.socket.on('close', () => this.cleanUp());
    this.socket.on('error', () => this.socket.terminate());
    this.heartbeat = setInterval(() => {
      if (!this.alive) {
        this.socket.close(WS_CLOSE.unresponsive, 'no pong to the server ping');
        this.socket.terminate();
        return;
      }
      this.alive = false;
      this.socket.ping();
    }, STREAM_TIMING.heartbeatMs);
  }

  private send(message: Record<string, unknown>): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private error(code: string, message: string, extra: Record<string, unknown> = {}): void {
    this.send({ op: 'error', code, message, ...extra });
  }

  private async onMessage(text: string): Promise<void> {
    let message: ClientMessage;
    try {
      message = JSON.parse(text) as ClientMessage;
      if (typeof message !== 'object' || message === null) throw new Error('not an object');
    } catch {
      this.error('VALIDATION_FAILED', 'Messages are JSON objects with an "op".');
      return;
    }
    try {
      switch (message.op) {
        case 'ping':
          this.send({ op: 'pong' });
          return;
        case 'auth':
          await this.authenticate(message.token);
          return;
        case 'subscribe':
          await this.subscribe(message.channel, message.after);
          return;
        case 'unsubscribe':
          this.unsubscribe(message.channel);
          return;
        default:
          this.error(
            'VALIDATION_FAILED',
            'Unknown op; use "auth", "subscribe", "unsubscribe" or "ping".',
          );
      }
    } catch (error) {
      const appError =
        error instanceof AppError ? error : new AppError('INTERNAL_ERROR', 'Unexpected error.');
      this.error(appError.code, appError.message, {
        ...(typeof message.channel === 'string' ? { channel: message.channel } : {}),
        ...(appError.details ? { details: appError.details } : {}),
      });
    }
  }

  private async authenticate(token: unknown): Promise<void> {
    if (typeof token !== 'string' || token.length === 0) {
      throw new ValidationFailedError('"token" must be the access token.');
    }
    const user = await this.deps.authenticator.authenticate(token);
    if (this.user && this.user.id !== user.id && this.subscriptions.has('me')) {
      throw new ValidationFailedError('Unsubscribe "me" before authenticating as another user.');
    }
    this.user = user;
    this.send({ op: 'authenticated', userId: user.id });
  }

  private async subscribe(channel: unknown, afterValue: unknown): Promise<void> {
    if (typeof channel !== 'string') {
      throw new ValidationFailedError('"channel" must be "markets", "market:<id>" or "me".');
    }
    const after = parseSeq(afterValue ?? undefined, 'after');
    if (this.subscriptions.has(channel)) {
      throw new AppError('CONFLICT', `Already subscribed to ${channel}; unsubscribe first.`);
    }
    const { streams, limits } = this.deps;
    let subscription: StreamSubscription;
    let start: number;
    if (channel === 'me') {
      if (!this.user) {
        throw new AppError(
          'UNAUTHORIZED',
          'The "me" channel needs authentication: send {"op":"auth","token":…} or connect with an Authorization header.',
        );
      }
      const userId = this.user.id;
      start = await streams.privateStart(userId, after);
      this.releaseUser = limits.acquireUser(userId);
      subscription = streams.openPrivate(userId, start, this.sink<PrivateEvent>(channel));
    } else if (channel === 'markets' || channel.startsWith('market:')) {
      const marketId = channel === 'markets' ? undefined : channel.slice('market:'.length);
      if (marketId !== undefined && !UUID.test(marketId)) {
        throw new ValidationFailedError(`Unknown channel "${channel}": market:<id> needs a uuid.`);
      }
      start = await streams.publicStart(after);
      subscription = streams.openPublic(
        start,
        marketId ? [marketId] : undefined,
        this.sink<PublicEvent>(channel),
      );
    } else {
      throw new ValidationFailedError(
        `Unknown channel "${channel}"; use "markets", "market:<id>" or "me".`,
      );
    }
    if (this.closed) {
      subscription.stop();
      return;
    }
    // The confirmation is sent before any event: the replay starts on the next tick.
    this.subscriptions.set(channel, subscription);
    this.send({ op: 'subscribed', channel, seq: start });
  }

  private unsubscribe(channel: unknown): void {
    if (typeof channel !== 'string' || !this.subscriptions.has(channel)) {
      throw new ValidationFailedError(`Not subscribed to ${String(channel)}.`);
    }
    this.subscriptions.get(channel)!.stop();
    this.subscriptions.delete(channel);
    if (channel === 'me') {
      this.releaseUser?.();
      this.releaseUser = undefined;
    }
    this.send({ op: 'unsubscribed', channel });
  }

  private sink<E extends Sequenced>(channel: ChannelName): StreamSink<E> {
    const socket = this.socket;
    const { metrics } = this.deps;
    return {
      write: (event) => {
        this.send({ op: 'event', channel, seq: event.seq, event });
        metrics.eventsSent.inc({ transport: 'ws' });
        return socket.bufferedAmount <= STREAM_TIMING.maxBufferedBytes;
      },
      drained: async (timeoutMs) => {
        const deadline = Date.now() + timeoutMs;
        while (socket.bufferedAmount > STREAM_TIMING.maxBufferedBytes) {
          if (Date.now() > deadline || socket.readyState !== socket.OPEN) return false;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        return true;
      },
      abort: (reason, resumeAfter) => {
        if (reason === 'slow_consumer') {
          metrics.drops.inc({ reason });
          this.send({ op: 'closing', reason, resume: this.resumePositions() });
          this.socket.close(WS_CLOSE.slowConsumer, 'slow consumer: reconnect and resume');
          return;
        }
        metrics.drops.inc({ reason });
        this.subscriptions.get(channel)?.stop();
        this.subscriptions.delete(channel);
        this.error(
          'SERVICE_UNAVAILABLE',
          'The event log is unavailable; subscribe again shortly.',
          {
            channel,
            resumeAfter,
          },
        );
      },
    };
  }

  private resumePositions(): Record<string, number> {
    const positions: Record<string, number> = {};
    for (const [channel, subscription] of this.subscriptions) {
      positions[channel] = subscription.cursor.lastSeq;
    }
    return positions;
  }

  private closeFor(hint: CloseHint): void {
    this.deps.metrics.drops.inc({ reason: hint.reason });
    this.send({
      op: 'reconnect',
      reason: hint.reason,
      message: hint.message,
      resume: this.resumePositions(),
    });
    this.socket.close(WS_CLOSE.serviceRestart, 'server restarting: reconnect and resume');
    this.cleanUp();
  }

  private cleanUp(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const subscription of this.subscriptions.values()) subscription.stop();
    this.subscriptions.clear();
    this.releaseUser?.();
    this.releaseIp();
    this.untrack?.();
    this.deps.metrics.openConnections.dec({ transport: 'ws' });
  }
}
