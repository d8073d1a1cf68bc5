import http from 'node:http';
import https from 'node:https';
import { addressRefusal, guardedLookup, hostOf } from './webhook-address';
import ipaddr from 'ipaddr.js';

export interface SendOptions {
  timeoutMs: number;
  /** How much of the receiver's answer is kept (and read at all). */
  maxResponseBytes: number;
  allowPrivate: boolean;
}

export interface SendResult {
  /** Any 2xx. */
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  /** At most `maxResponseBytes` of the answer, as text. */
  responseBody: string | null;
  durationMs: number;
}

/**
 * The agents every delivery uses: their `lookup` refuses non-public addresses at connect
 * time (webhook-address.ts), one pair per setting. No keep-alive: a receiver's socket is
 * never reused for another receiver's host.
 */
const agents = new Map<boolean, { http: http.Agent; https: https.Agent }>();
function agentsFor(allowPrivate: boolean) {
  let pair = agents.get(allowPrivate);
  if (!pair) {
    const lookup = guardedLookup(allowPrivate);
    pair = { http: new http.Agent({ lookup }), https: new https.Agent({ lookup }) };
    agents.set(allowPrivate, pair);
  }
  return pair;
}

/**
 * POSTs one signed body. Never throws: every failure (refused address, DNS, connection,
 * timeout, non-2xx, redirect) is a result. Redirects are not followed (node:http never
 * does); a 3xx is a failure that names the Location. The whole exchange, answer included,
 * must fit in `timeoutMs`.
 */
export function sendWebhook(
  target: string,
  body: string,
  headers: Record<string, string>,
  options: SendOptions,
): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const failure = (error: string, statusCode: number | null = null, responseBody = null) => ({
    ok: false,
    statusCode,
    error,
    responseBody,
    durationMs: elapsed(),
  });
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return Promise.resolve(failure('the URL is not valid'));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return Promise.resolve(failure('only http and https URLs are delivered to'));
  }
  // An IP literal never reaches the agent's lookup: check it here.
  const host = hostOf(url);
  if (!options.allowPrivate && ipaddr.isValid(host)) {
    const refusal = addressRefusal(host);
    if (refusal) return Promise.resolve(failure(`address refused: ${refusal}`));
  }
  const pair = agentsFor(options.allowPrivate);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const finish = (result: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const request = client.request(url, {
      method: 'POST',
      agent: url.protocol === 'https:' ? pair.https : pair.http,
      headers: {
        ...headers,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
      },
    });
    const timer = setTimeout(() => {
      finish(failure(`no answer within ${options.timeoutMs} ms`));
      request.destroy();
    }, options.timeoutMs);
    request.on('error', (error: Error) => {
      const refused = error.name === 'WebhookAddressError';
      finish(failure(refused ? `address refused: ${error.message}` : error.message));
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      const done = () => {
        const statusCode = response.statusCode ?? 0;
        // PostgreSQL text cannot hold NUL.
        const text = Buffer.concat(chunks).toString('utf8').replaceAll('\u0000', '');
        const ok = statusCode >= 200 && statusCode < 300;
        const location = response.headers.location;
        finish({
          ok,
          statusCode,
          error: ok
            ? null
            : statusCode >= 300 && statusCode < 400
              ? `redirect not followed${location ? ` (Location: ${location.slice(0, 200)})` : ''}`
              : `HTTP ${statusCode}`,
          responseBody: text,
          durationMs: elapsed(),
        });
        response.destroy();
        request.destroy();
      };
      response.on('data', (chunk: Buffer) => {
        if (kept < options.maxResponseBytes) {
          const part = chunk.subarray(0, options.maxResponseBytes - kept);
          chunks.push(part);
          kept += part.length;
        }
        // Enough kept: stop reading a large (or endless) answer.
        if (kept >= options.maxResponseBytes) done();
      });
      response.on('end', done);
      response.on('error', done);
    });
    request.end(body);
  });
}
