import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  json: { id: string; type: string; seq: number | null; occurredAt: string; data: any };
}

/** What the receiver does with the next request: answer with a status, or never answer. */
export type ReceiverAnswer =
  { status: number; body?: string; headers?: Record<string, string> } | 'hang';

/**
 * A real HTTP receiver on loopback in the test process. Answers 200 unless told otherwise
 * (`answers` is consumed one per request, then `fallback`).
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  readonly answers: ReceiverAnswer[] = [];
  fallback: ReceiverAnswer = { status: 200, body: 'ok' };
  private readonly hanging = new Set<ServerResponse>();
  private server!: Server;
  port = 0;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        this.received.push({
          path: req.url ?? '/',
          headers: req.headers,
          body,
          json: JSON.parse(body),
        });
        const answer = this.answers.shift() ?? this.fallback;
        if (answer === 'hang') {
          this.hanging.add(res);
          return;
        }
        res.writeHead(answer.status, answer.headers ?? {});
        res.end(answer.body ?? '');
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Deliveries of one event type, or all, in arrival order. */
  of(type?: string): ReceivedWebhook[] {
    return this.received.filter((r) => type === undefined || r.json.type === type);
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/**
 * A reference verifier written from the Standard Webhooks spec, independent of the server's
 * code: the key is the base64 after `whsec_`; the signed content is `id.timestamp.body`; the
 * header is space-separated `v1,<base64 HMAC-SHA256>` entries. Returns which of `secrets`
 * signed the message (by index), and whether the timestamp is within `toleranceSeconds`.
 */
export function verifyStandardWebhook(
  received: ReceivedWebhook,
  secrets: string[],
  toleranceSeconds = 300,
): { signedBy: number[]; fresh: boolean } {
  const id = String(received.headers['webhook-id']);
  const timestamp = String(received.headers['webhook-timestamp']);
  const header = String(received.headers['webhook-signature']);
  const content = `${id}.${timestamp}.${received.body}`;
  const presented = header
    .split(' ')
    .map((entry) => entry.split(','))
    .filter(([version]) => version === 'v1')
    .map(([, signature]) => Buffer.from(signature, 'base64'));
  const signedBy: number[] = [];
  secrets.forEach((secret, index) => {
    const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
    const expected = createHmac('sha256', key).update(content).digest();
    if (presented.some((sig) => sig.length === expected.length && timingSafeEqual(sig, expected))) {
      signedBy.push(index);
    }
  });
  const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) <= toleranceSeconds;
  return { signedBy, fresh };
}
