import { DynamicModule, Type } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DestinationStream } from 'pino';
import { Test } from '@nestjs/testing';
import Redis from 'ioredis';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { inject } from 'vitest';
import type { OpenAPIObject } from '@nestjs/swagger';
import { configureApp, httpAdapter } from '../../src/app.factory';
import { AppModule } from '../../src/app.module';
import { AppConfig } from '../../src/config/app-config';
import { OpenApiResponseValidator } from './openapi-validator';
import { TEST_DATABASE_SERVER, TEST_REDIS_URL, testConfig, uniqueName } from './test-env';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  db: DataSource;
  database: string;
  redisPrefix: string;
  /**
   * Sends a request through the whole Fastify + Nest pipeline. The answer is checked
   * against the served OpenAPI document: an undocumented status, contract header or body
   * shape rejects with the differences (see openapi-validator.ts).
   */
  request: NestFastifyApplication['inject'];
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: NodeJS.ProcessEnv;
  /** Extra modules, e.g. a controller that throws, mounted beside the real app. */
  modules?: Array<Type<unknown> | DynamicModule>;
  /** Reuse an existing database (a second app instance on the same data). */
  database?: string;
  redisPrefix?: string;
  /** Where the request logger writes (JSON lines), to assert on log output. */
  logDestination?: DestinationStream;
  /** Check every answer against /docs-json (default true). */
  validateResponses?: boolean;
}

type Inject = NestFastifyApplication['inject'];

/** `app.inject` whose answers must match the document the app serves. */
async function contractCheckedInject(app: NestFastifyApplication): Promise<Inject> {
  const document = (await app.inject({ method: 'GET', url: '/docs-json' })).json<OpenAPIObject>();
  const validator = new OpenApiResponseValidator(document);
  return ((options?: Parameters<Inject>[0]) => {
    // The chained form (`request().get(...)`) is left unchecked.
    if (options === undefined) return app.inject();
    return app.inject(options).then((response) => {
      const problems = validator.check({
        method: response.raw.req.method ?? 'GET',
        url: response.raw.req.url ?? '/',
        statusCode: response.statusCode,
        headers: response.headers,
        body: response.body,
      });
      if (problems.length > 0) {
        throw new Error(`The answer breaks the OpenAPI document:\n${problems.join('\n')}`);
      }
      return response;
    });
  }) as Inject;
}

async function withAdmin<T>(run: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: `${TEST_DATABASE_SERVER}/postgres` });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(): Promise<string> {
  const name = uniqueName('market_test');
  const template = inject('templateDatabase');
  await withAdmin((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  return name;
}

export async function dropTestDatabase(name: string): Promise<void> {
  await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/** Deletes only the keys under this test's own prefix. */
export async function deleteRedisKeys(prefix: string, url = TEST_REDIS_URL): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } catch {
    // Redis may be the thing a test stopped; nothing of ours to clean then.
  } finally {
    redis.disconnect();
  }
}

/**
 * Boots the real AppModule on Fastify, through the same configureApp() as main.ts, on a
 * fresh database cloned from the migrated template and a Redis key prefix of its own.
 */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const ownsDatabase = options.database === undefined;
  const database = options.database ?? (await createTestDatabase());
  const redisPrefix = options.redisPrefix ?? uniqueName('test');
  const config = testConfig(database, redisPrefix, options.env);
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.register(config), ...(options.modules ?? [])],
  }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(
    httpAdapter(config, options.logDestination),
    { bufferLogs: true },
  );
  configureApp(app, config);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return {
    app,
    config,
    db: app.get(DataSource),
    database,
    redisPrefix,
    request:
      options.validateResponses === false ? app.inject.bind(app) : await contractCheckedInject(app),
    async close() {
      await app.close();
      if (ownsDatabase) await dropTestDatabase(database);
      if (options.redisPrefix === undefined) await deleteRedisKeys(redisPrefix);
    },
  };
}
