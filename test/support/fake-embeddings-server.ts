import { IncomingHttpHeaders, IncomingMessage, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * The only fake in this project's tests: a real HTTP server on 127.0.0.1 that speaks
 * OpenAI's `POST /v1/embeddings` wire format, so the app's real client, timeouts and
 * retries run against it unchanged.
 *
 * Embeddings are deterministic and meaningful enough for ranking tests: each word of a
 * fixed concept table adds weight to its concept's dimension (so "bitcoin" lands near
 * "ethereum"), every word adds a small hashed component of its own, and the vector is
 * L2-normalised.
 */

export interface FakeEmbeddingsServerOptions {
  /** Vector length when the request has no `dimensions`. Default 384. */
  dimensions?: number;
  /** Answer `dimensions`-long vectors whatever the request asks for, as many local servers do. */
  ignoreRequestedDimensions?: boolean;
  /** When set, requests must send `Authorization: Bearer <apiKey>`, else 401. */
  apiKey?: string;
  /** List `data` in reverse order; each item's `index` still names its input. */
  outOfOrder?: boolean;
}

export interface FakeEmbeddingsRequests {
  /** Requests to any path, including those answered with an error. */
  count: number;
  /** Parsed JSON bodies in arrival order (the raw text when it was not JSON). */
  bodies: unknown[];
  headers: IncomingHttpHeaders[];
}

export interface FailOptions {
  /** `Retry-After` header, in seconds, sent with a 429. Default 1. */
  retryAfterSeconds?: number;
}

export interface FakeEmbeddingsServer {
  /** Base URL ending in `/v1`, as `EMBEDDINGS_URL` takes it. */
  url: string;
  requests: FakeEmbeddingsRequests;
  /** Answers the next `n` requests with `status` (429 carries `Retry-After`). */
  failNext(n: number, status: 429 | 500 | 502 | 503, options?: FailOptions): void;
  /** While down, every request gets 503. */
  setDown(down: boolean): void;
  /** Delays every answer by `ms` (for timeout tests); 0 to stop. */
  setDelay(ms: number): void;
  /** The vectors this server gives for `texts`, for assertions and expected rankings. */
  embed(texts: string[], dimensions?: number): number[][];
  close(): Promise<void>;
}

/** Words that share a dimension; the table index is the dimension. */
export const CONCEPTS: readonly (readonly string[])[] = [
  ['election', 'vote', 'voter', 'ballot', 'president', 'presidential', 'candidate', 'senate'],
  ['bitcoin', 'btc', 'crypto', 'cryptocurrency', 'ethereum', 'blockchain', 'token', 'coin'],
  ['rain', 'weather', 'storm', 'hurricane', 'temperature', 'snow', 'heatwave', 'forecast'],
  ['football', 'soccer', 'league', 'match', 'goal', 'striker', 'fifa', 'cup'],
  ['inflation', 'recession', 'gdp', 'economy', 'unemployment', 'fed', 'stock', 'interest'],
  ['ai', 'gpt', 'openai', 'chatbot', 'llm', 'software', 'chip', 'iphone'],
  ['space', 'rocket', 'spacex', 'nasa', 'moon', 'mars', 'orbit', 'satellite'],
  ['covid', 'vaccine', 'virus', 'pandemic', 'flu', 'disease', 'outbreak', 'hospital'],
];

const CONCEPT_OF = new Map<string, number>(
  CONCEPTS.flatMap((words, concept) => words.map((word) => [word, concept] as const)),
);
const DEFAULT_DIMENSIONS = 384;
const MAX_INPUTS = 2048;
const CONCEPT_WEIGHT = 1;
const WORD_WEIGHT = 0.15;
const BODY_FIELDS = new Set(['model', 'input', 'encoding_format', 'dimensions', 'user']);

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function tokens(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** The concept of a word, trying its singular form ("storms" → "storm"). */
function conceptOf(word: string): number | undefined {
  return (
    CONCEPT_OF.get(word) ?? (word.endsWith('s') ? CONCEPT_OF.get(word.slice(0, -1)) : undefined)
  );
}

/** Deterministic embedding of one text: concept dimensions plus hashed word features. */
export function fakeEmbedding(text: string, dimensions = DEFAULT_DIMENSIONS): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  const words = tokens(text);
  for (const word of words) {
    const concept = conceptOf(word);
    if (concept !== undefined) vector[concept % dimensions] += CONCEPT_WEIGHT;
    // Hashed features sit after the concept dimensions when there is room.
    const free = dimensions - CONCEPTS.length;
    const slot = free > 0 ? CONCEPTS.length + (fnv1a(word) % free) : fnv1a(word) % dimensions;
    vector[slot] += concept === undefined ? 3 * WORD_WEIGHT : WORD_WEIGHT;
  }
  if (words.length === 0) vector[fnv1a(text) % dimensions] = 1;
  const norm = Math.sqrt(vector.reduce((sum, v) => sum + v * v, 0));
  return vector.map((v) => v / norm);
}

function openAiError(
  res: ServerResponse,
  status: number,
  error: { message: string; type: string; param?: string | null; code?: string | null },
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify({
    error: {
      message: error.message,
      type: error.type,
      param: error.param ?? null,
      code: error.code ?? null,
    },
  });
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(body);
}

function invalid(res: ServerResponse, message: string, param: string | null = null): void {
  openAiError(res, 400, { message, type: 'invalid_request_error', param });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Starts the server on a free 127.0.0.1 port. */
export async function startFakeEmbeddingsServer(
  options: FakeEmbeddingsServerOptions = {},
): Promise<FakeEmbeddingsServer> {
  const defaultDimensions = options.dimensions ?? DEFAULT_DIMENSIONS;
  const requests: FakeEmbeddingsRequests = { count: 0, bodies: [], headers: [] };
  let failures: { remaining: number; status: number; retryAfterSeconds: number } | undefined;
  let down = false;
  let delayMs = 0;

  const answer = (req: IncomingMessage, res: ServerResponse, raw: string): void => {
    if (failures && failures.remaining > 0) {
      failures.remaining--;
      if (failures.status === 429) {
        return openAiError(
          res,
          429,
          {
            message: 'Rate limit reached for requests.',
            type: 'requests',
            code: 'rate_limit_exceeded',
          },
          { 'retry-after': String(failures.retryAfterSeconds) },
        );
      }
      return openAiError(res, failures.status, {
        message: 'The server had an error while processing your request.',
        type: 'server_error',
      });
    }
    if (down) {
      return openAiError(res, 503, {
        message: 'The engine is currently overloaded, please try again later.',
        type: 'server_error',
      });
    }
    if (req.method !== 'POST' || req.url?.split('?')[0] !== '/v1/embeddings') {
      return openAiError(res, 404, {
        message: `Invalid URL (${req.method} ${req.url})`,
        type: 'invalid_request_error',
      });
    }
    if (options.apiKey !== undefined) {
      const auth = req.headers.authorization;
      if (!auth?.startsWith('Bearer ')) {
        return openAiError(res, 401, {
          message:
            "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
          type: 'invalid_request_error',
        });
      }
      if (auth.slice('Bearer '.length) !== options.apiKey) {
        return openAiError(res, 401, {
          message: 'Incorrect API key provided.',
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        });
      }
    }
    if (!req.headers['content-type']?.startsWith('application/json')) {
      return invalid(res, 'Invalid Content-Type header: expected application/json.');
    }

    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error();
      body = parsed as Record<string, unknown>;
    } catch {
      return invalid(res, 'We could not parse the JSON body of your request.');
    }
    const unknown = Object.keys(body).find((field) => !BODY_FIELDS.has(field));
    if (unknown) return invalid(res, `Unrecognized request argument supplied: ${unknown}`, unknown);
    if (typeof body.model !== 'string' || body.model === '') {
      return invalid(res, 'You must provide a model parameter.', 'model');
    }
    const input = body.input;
    const texts = typeof input === 'string' ? [input] : input;
    if (
      !Array.isArray(texts) ||
      texts.length === 0 ||
      texts.length > MAX_INPUTS ||
      !texts.every((t) => typeof t === 'string' && t.length > 0)
    ) {
      return invalid(
        res,
        `'$.input' is invalid: expected a non-empty string or an array of 1 to ${MAX_INPUTS} non-empty strings.`,
        'input',
      );
    }
    const format = body.encoding_format ?? 'float';
    if (format !== 'float' && format !== 'base64') {
      return invalid(
        res,
        `${JSON.stringify(format)} is not one of ['float', 'base64'] - 'encoding_format'`,
        'encoding_format',
      );
    }
    const dimensions = options.ignoreRequestedDimensions
      ? defaultDimensions
      : (body.dimensions ?? defaultDimensions);
    if (typeof dimensions !== 'number' || !Number.isInteger(dimensions) || dimensions < 1) {
      return invalid(res, `Invalid 'dimensions': must be a positive integer.`, 'dimensions');
    }

    const promptTokens = (texts as string[]).reduce(
      (sum, t) => sum + Math.max(1, tokens(t).length),
      0,
    );
    const data = (texts as string[]).map((text, index) => {
      const vector = fakeEmbedding(text, dimensions);
      const embedding =
        format === 'float'
          ? vector
          : Buffer.from(Float32Array.from(vector).buffer).toString('base64');
      return { object: 'embedding', index, embedding };
    });
    if (options.outOfOrder) data.reverse();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        object: 'list',
        data,
        model: body.model,
        usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
      }),
    );
  };

  const server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      requests.count++;
      requests.headers.push(req.headers);
      try {
        requests.bodies.push(JSON.parse(raw));
      } catch {
        requests.bodies.push(raw);
      }
      if (delayMs === 0) return answer(req, res, raw);
      const timer = setTimeout(() => answer(req, res, raw), delayMs);
      // The client gave up (its timeout): nothing to answer.
      res.on('close', () => clearTimeout(timer));
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    failNext(n, status, failOptions = {}) {
      failures = { remaining: n, status, retryAfterSeconds: failOptions.retryAfterSeconds ?? 1 };
    },
    setDown(value) {
      down = value;
    },
    setDelay(ms) {
      delayMs = ms;
    },
    embed(texts, dimensions = defaultDimensions) {
      return texts.map((text) => fakeEmbedding(text, dimensions));
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
