import Fastify from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import { enterRequestLogContext } from './request-log-context';

/** What nestjs-pino's PinoLogger (behind Nest's Logger) would write through right now. */
function loggerNestWouldUse(): unknown {
  return new PinoLogger({ pinoHttp: { level: 'silent' }, useExisting: true }).logger;
}

describe('enterRequestLogContext', () => {
  it("makes Nest's logger write through the request's own logger, across awaits", async () => {
    const fastify = Fastify({ logger: { level: 'silent' } });
    enterRequestLogContext(fastify);
    fastify.post('/probe', async (request) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return { same: loggerNestWouldUse() === request.log };
    });
    const first = await fastify.inject({ method: 'POST', url: '/probe', payload: { a: 1 } });
    const second = await fastify.inject({ method: 'POST', url: '/probe', payload: { a: 2 } });
    expect([first.json(), second.json()]).toEqual([{ same: true }, { same: true }]);
    await fastify.close();
  });

  it('leaves code outside a request on the root logger', () => {
    const fastify = Fastify({ logger: { level: 'silent' } });
    enterRequestLogContext(fastify);
    expect(loggerNestWouldUse()).not.toBe(fastify.log);
  });
});
