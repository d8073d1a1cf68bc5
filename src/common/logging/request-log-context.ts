import type { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { PinoLogger } from 'nestjs-pino';

interface NestPinoStore {
  logger: FastifyBaseLogger;
}
interface NestPinoStorage {
  storage: AsyncLocalStorage<NestPinoStore>;
  Store: new (logger: FastifyBaseLogger) => NestPinoStore;
}

/**
 * nestjs-pino's `PinoLogger` (behind Nest's `Logger`) writes through the logger it finds in
 * an AsyncLocalStorage of its own. The package enters it only from a Nest middleware, which
 * on Fastify puts @fastify/middie in every request's path, and does not export it (its
 * `exports` map hides the file), so it is loaded by path: from the CommonJS build or the ES
 * module one, whichever the loaded `PinoLogger` reads (Node loads the first, Vitest the
 * second). If neither is, start-up fails here rather than logs losing their request id.
 */
function nestPinoStorage(): NestPinoStorage {
  const load = createRequire(__filename);
  const dist = dirname(dirname(load.resolve('nestjs-pino')));
  const readStore = Object.getOwnPropertyDescriptor(PinoLogger.prototype, 'logger')?.get;
  for (const build of ['cjs', 'esm']) {
    const candidate = load(join(dist, build, 'storage.js')) as Partial<NestPinoStorage>;
    const { storage, Store } = candidate;
    if (!storage || !Store || !readStore) continue;
    const probe = { probe: true } as unknown as FastifyBaseLogger;
    if (storage.run(new Store(probe), () => readStore.call(undefined) === probe)) {
      return { storage, Store };
    }
  }
  throw new Error('nestjs-pino: the logging context PinoLogger reads was not found');
}

/**
 * Every request runs in a logging context holding Fastify's per-request logger (bound to its
 * request id), so Nest `Logger` calls made while handling it carry that id. The first
 * `onRequest` hook of ours: the rest of the request's hooks, guards and handler run inside.
 */
export function enterRequestLogContext(fastify: FastifyInstance): void {
  const { storage, Store } = nestPinoStorage();
  fastify.addHook('onRequest', (request, _reply, done) => {
    storage.run(new Store(request.log), done);
  });
}
