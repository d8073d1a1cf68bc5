import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BullBoardFastifyAdapter } from '@bull-board/fastify';
import { Logger } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { basicAuthMatches, basicAuthUser } from '../common/http/basic-auth';
import { AttemptLimiter } from '../common/throttling/attempt-limiter';
import { clientAddress } from '../common/throttling/client-address';
import { envelopeMeta, ErrorEnvelope } from '../common/http/envelope';
import { AppConfig } from '../config/app-config';
import { QueueMonitor } from './queue-monitor.service';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * Mounts the bull-board dashboard of every known queue at `/admin/queues`, behind HTTP Basic
 * auth, when QUEUE_DASHBOARD_USER and QUEUE_DASHBOARD_PASSWORD are both set; otherwise the
 * path does not exist (404). It is a Fastify plugin beside Nest, not a Nest controller: no
 * `/api` prefix, no envelope, no throttling, not in the OpenAPI document.
 *
 * bull-board is the maintained dashboard for BullMQ with a Fastify adapter: jobs per state,
 * their data, errors and logs, retry and clean. Its @fastify/static and @fastify/view
 * registrations live in the plugin's own encapsulated scope, so they do not collide with the
 * static files Swagger serves at /docs.
 */
export function mountQueueDashboard(app: NestFastifyApplication, config: AppConfig): boolean {
  const { user, password } = config.queueDashboard;
  if (!user || !password) {
    if (user || password) {
      new Logger('QueueDashboard').warn(
        'QUEUE_DASHBOARD_USER and QUEUE_DASHBOARD_PASSWORD must both be set; dashboard disabled',
      );
    }
    return false;
  }
  const serverAdapter = new BullBoardFastifyAdapter();
  serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: app
      .get(QueueMonitor)
      .queues()
      .map((queue) => new BullMQAdapter(queue)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Market API queues' } },
  });

  const credentials = { user, password };
  const attempts = app.get(AttemptLimiter, { strict: false });
  const fastify = app.getHttpAdapter().getInstance();
  void fastify.register(async (scope) => {
    scope.addHook('onRequest', async (request, reply) => {
      const header = request.headers.authorization;
      // A browser's first request carries no credentials: a challenge, not a guess.
      if (header === undefined) return refuse(request, reply, 401);
      // Guesses are slowed like sign-in: per client address and per user name tried, with a
      // growing delay, checked before the credentials so a throttled guess learns nothing.
      const keys = [
        `queue-dashboard:ip:${clientAddress(request)}`,
        `queue-dashboard:user:${createHash('sha256')
          .update(basicAuthUser(header) ?? '')
          .digest('hex')}`,
      ];
      try {
        const waits = await Promise.all(keys.map((key) => attempts.waitMs(key)));
        const waitMs = Math.max(...waits);
        if (waitMs > 0) return refuse(request, reply, 429, Math.ceil(waitMs / 1000));
        if (basicAuthMatches(header, credentials)) {
          await Promise.all(keys.map((key) => attempts.reset(key)));
          return;
        }
        await Promise.all(keys.map((key) => attempts.recordFailure(key)));
      } catch {
        return refuse(request, reply, 503);
      }
      return refuse(request, reply, 401);
    });
    await scope.register(serverAdapter.registerPlugin(), { prefix: QUEUE_DASHBOARD_PATH });
  });
  return true;
}

const REFUSALS = {
  401: { code: 'UNAUTHORIZED', message: 'The queue dashboard needs valid credentials.' },
  429: { code: 'RATE_LIMITED', message: 'Too many attempts; retry after the time in Retry-After.' },
  503: { code: 'SERVICE_UNAVAILABLE', message: 'Rate limiting is unavailable; retry shortly.' },
} as const;

function refuse(
  request: FastifyRequest,
  reply: FastifyReply,
  status: keyof typeof REFUSALS,
  retryAfterSeconds?: number,
): FastifyReply {
  const body: ErrorEnvelope = {
    success: false,
    error: REFUSALS[status],
    meta: envelopeMeta(request.id),
  };
  if (status === 401)
    void reply.header('www-authenticate', 'Basic realm="queues", charset="UTF-8"');
  if (retryAfterSeconds !== undefined) void reply.header('retry-after', String(retryAfterSeconds));
  return reply.code(status).header('cache-control', 'no-store').send(body);
}
