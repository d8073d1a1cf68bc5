import { defineScenario } from '../lib/registry';
import type { BenchContext } from '../lib/types';

const PATH = '/api/health';

/** Top-level keys and their types, recursively: the values (id, time) differ, the shape must not. */
function shape(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return typeof value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => [k, shape(v)]),
  );
}

async function body(url: string): Promise<{ status: number; json: unknown; type: string }> {
  const response = await fetch(url);
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    json: await response.json(),
  };
}

/** Checks both answer 200 with the same body shape, then compares them at each level. */
async function compareHealth(ctx: BenchContext, oursUrl: string, referenceUrl: string) {
  const [ours, ref] = await Promise.all([body(oursUrl), body(referenceUrl)]);
  if (ours.status !== 200 || ref.status !== 200) {
    throw new Error(`health answered ${ours.status} (ours) and ${ref.status} (reference)`);
  }
  if (JSON.stringify(shape(ours.json)) !== JSON.stringify(shape(ref.json))) {
    throw new Error(
      `bodies differ in shape: ours ${JSON.stringify(ours.json)}, reference ${JSON.stringify(ref.json)}`,
    );
  }
  return ctx.compareHttp({ url: oursUrl }, { url: referenceUrl });
}

const health = defineScenario({
  name: 'health',
  description:
    'Framework overhead. `GET /api/health` through our whole pipeline — Fastify request id ' +
    '(`genReqId`) and the `onRequest` hook echoing it with the security headers (Nest’s ' +
    'set, built once at start-up), Fastify’s per-request logger (made only if a line is ' +
    'written) and the ' +
    '`onRequest` hook putting it into nestjs-pino’s AsyncLocalStorage (at `LOG_LEVEL=warn` ' +
    'no request line is written), the global guards (`AuthenticationGuard`, which also ' +
    'decides `Cache-Control: no-store`; `AppThrottlerGuard`: health is rate-limit class ' +
    '`none`, read once per route, so it returns before Redis), the validation pipe, the ' +
    'success envelope (built in the Fastify adapter’s `reply`, no interceptor), the metrics ' +
    '`onResponse` hook — against ' +
    '`bench/reference/raw-fastify.ts`, a bare Fastify 5 server returning the same JSON body ' +
    '`{success, data: {status: "ok"}, meta: {requestId, timestamp}}` with a UUID request id. ' +
    'Both are checked to return 200 and the same body shape before the load starts.',
  target: {
    kind: 'throughput-ratio',
    min: 0.5,
    text: 'ours ≥ 50 % of raw Fastify’s requests/s',
  },

  async run(ctx: BenchContext) {
    const reference = await ctx.startReference({
      name: 'raw-fastify',
      script: 'reference/raw-fastify.ts',
      readyPath: PATH,
    });
    const points = await compareHealth(ctx, `${ctx.apiUrl}${PATH}`, `${reference.url}${PATH}`);
    return {
      oursLabel: 'ours',
      referenceLabel: 'raw Fastify',
      points,
      notes: [
        'Health is rate-limit class `none`: the throttler guard runs but makes no Redis call. ' +
          'Routes of class read and write add one Redis round trip per request (measured by ' +
          'the scenarios that hit those routes).',
      ],
    };
  },
});

/**
 * The framework's own share: the same answer from NestJS with nothing of ours, against raw
 * Fastify. What `health` adds on top of this row is our pipeline (guards, headers, request
 * id, logging context, metrics); what this row shows is the floor no change of ours lifts.
 */
const healthNest = defineScenario({
  name: 'health-nest',
  description:
    'The floor under `health`: `bench/reference/bare-nest.ts`, NestJS 12 on its Fastify ' +
    'adapter with one controller returning the same body (UUID request id, ISO timestamp) ' +
    'and nothing else (no guards, pipes, filters, hooks, logger, metrics, security headers), ' +
    'against the same raw Fastify server as `health`. Both run as reference servers on ' +
    'CPU 0, one after the other as usual.',
  target: { kind: 'throughput-ratio', min: 0, text: 'report only (no fixed target)' },

  async run(ctx: BenchContext) {
    const nest = await ctx.startReference({
      name: 'bare-nest',
      script: 'reference/bare-nest.ts',
      readyPath: PATH,
    });
    const fastify = await ctx.startReference({
      name: 'raw-fastify',
      script: 'reference/raw-fastify.ts',
      readyPath: PATH,
    });
    const points = await compareHealth(ctx, `${nest.url}${PATH}`, `${fastify.url}${PATH}`);
    return { oursLabel: 'bare NestJS', referenceLabel: 'raw Fastify', points };
  },
});

export const scenarios = [health, healthNest];
