import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BullBoardFastifyAdapter } from '@bull-board/fastify';
import { Logger } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { basicAuthMatches } from '../common/http/basic-auth';
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
  const fastify = app.getHttpAdapter().getInstance();
  void fastify.register(async (scope) => {
    scope.addHook('onRequest', async (request, reply) => {
      if (basicAuthMatches(request.headers.authorization, credentials)) return;
      const body: ErrorEnvelope = {
        success: false,
        error: { code: 'UNAUTHORIZED', message: 'The queue dashboard needs valid credentials.' },
        meta: envelopeMeta(request.id),
      };
      return reply
        .code(401)
        .header('www-authenticate', 'Basic realm="queues", charset="UTF-8"')
        .header('cache-control', 'no-store')
        .send(body);
    });
    await scope.register(serverAdapter.registerPlugin(), { prefix: QUEUE_DASHBOARD_PATH });
  });
  return true;
}
