/**
 * The load generator, run as its own process so it never shares an event loop with the
 * orchestrator: reads a `LoadSpec` as JSON (first argument, or stdin), runs autocannon, and
 * prints one `LoadResult` JSON line on stdout.
 *
 *   node dist/bench/load.js '{"url":"http://127.0.0.1:3000/api/health","connections":10,"duration":5}'
 */
import autocannon from 'autocannon';
import { clockTicks, cpuWindow } from './lib/cpu';
import { LatencyRecorder, round } from './lib/stats';
import type { LoadResult, LoadSpec } from './lib/types';

async function readSpec(): Promise<LoadSpec> {
  let text = process.argv[2];
  if (!text) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    text = Buffer.concat(chunks).toString();
  }
  const spec = JSON.parse(text) as LoadSpec;
  if (typeof spec.url !== 'string' || !(spec.connections >= 1) || !(spec.duration > 0)) {
    throw new Error('spec needs url, connections ≥ 1 and duration > 0');
  }
  return spec;
}

export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const latencies = new LatencyRecorder();
  const statusCodes: Record<string, number> = {};
  let completed = 0;
  let non2xx = 0;
  const options: autocannon.Options = {
    url: spec.url,
    connections: spec.connections,
    duration: spec.duration,
    pipelining: 1,
    // autocannon stops at the first sample tick after `duration`: sample every 100 ms so a
    // 2.5 s slice lasts 2.5 s, not 3.
    sampleInt: 100,
    timeout: spec.timeout ?? 10,
    method: spec.method ?? 'GET',
    body: spec.body,
    headers: spec.headers,
    requests: spec.requests?.map((r) => ({
      method: r.method ?? spec.method ?? 'GET',
      path: r.path ?? spec.path ?? new URL(spec.url).pathname,
      body: r.body ?? spec.body,
      headers: { ...spec.headers, ...r.headers },
    })),
  };
  if (spec.cycle) {
    const cycle = spec.cycle.map((r) => ({
      method: r.method ?? spec.method ?? 'GET',
      path: r.path ?? spec.path ?? new URL(spec.url).pathname,
      body: r.body ?? spec.body,
      headers: { ...spec.headers, ...r.headers },
    }));
    let next = Math.floor(Math.random() * cycle.length);
    options.requests = [
      {
        setupRequest: (request) => Object.assign(request, cycle[next++ % cycle.length]),
      },
    ];
  } else if (spec.rotate) {
    const { template, values } = spec.rotate;
    let next = Math.floor(Math.random() * values.length);
    options.requests = [
      {
        method: spec.method ?? 'GET',
        body: spec.body,
        headers: spec.headers,
        setupRequest: (request) => {
          request.path = template.replace('{}', values[next++ % values.length]);
          return request;
        },
      },
    ];
  } else if (spec.path && !spec.requests) options.url = new URL(spec.path, spec.url).toString();

  const ticks = clockTicks();
  const cpuStart = process.cpuUsage();
  const wallStart = process.hrtime.bigint();
  const window = cpuWindow(spec.serverPid, ticks);
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error: unknown, result: autocannon.Result) => {
      if (error) {
        reject(error instanceof Error ? error : new Error(JSON.stringify(error)));
        return;
      }
      const durationS = result.duration;
      const cpu = process.cpuUsage(cpuStart);
      const wallUs = Number(process.hrtime.bigint() - wallStart) / 1000;
      const generatorCpu = (cpu.user + cpu.system) / wallUs;
      const { server, other } = window.finish(wallUs / 1e6, generatorCpu);
      resolve({
        rps: round(completed / durationS, 1),
        ...latencies.summary(),
        total: completed,
        errors: result.errors,
        non2xx,
        durationS: round(durationS),
        generatorCpu: round(generatorCpu, 2),
        serverCpu: server === null ? null : round(server, 2),
        cpuUsPerRequest:
          server === null || completed === 0
            ? null
            : round((server * (wallUs / 1e6) * 1e6) / completed, 1),
        otherCpu: other === null ? null : round(other, 2),
        histogram: latencies.histogram(),
        statusCodes,
        autocannon: {
          latencyP50: result.latency.p50,
          latencyP99: result.latency.p99,
          bytes: result.throughput.total,
          timeouts: result.timeouts,
          mismatches: result.mismatches,
        },
      });
    });
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      completed++;
      statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
      if (statusCode < 200 || statusCode > 299) non2xx++;
      latencies.record(responseTime);
    });
  });
}

if (require.main === module) {
  readSpec()
    .then(runLoad)
    .then((result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
    })
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    });
}
