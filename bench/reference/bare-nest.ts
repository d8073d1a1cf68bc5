/**
 * Reference for the `health-nest` scenario: NestJS on its Fastify adapter with one controller
 * answering `GET /api/health` with the API's body — `{success, data: {status}, meta:
 * {requestId, timestamp}}`, a UUID request id — and nothing of ours: no guards, pipes,
 * filters, hooks, logger, metrics or security headers. Against raw Fastify it measures what
 * the framework alone costs per request, the floor under the `health` scenario's ratio.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Controller, Get, Module, Req } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';

@Controller()
class HealthController {
  @Get('health')
  health(@Req() request: FastifyRequest) {
    return {
      success: true,
      data: { status: 'ok' },
      meta: { requestId: request.id, timestamp: new Date().toISOString() },
    };
  }
}

@Module({ controllers: [HealthController] })
class BareModule {}

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 3100);
  const app = await NestFactory.create<NestFastifyApplication>(
    BareModule,
    new FastifyAdapter({ logger: false, genReqId: () => randomUUID(), skipMiddie: true }),
    { logger: false },
  );
  app.setGlobalPrefix('api');
  app.enableShutdownHooks();
  await app.listen({ port, host: '127.0.0.1' });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
