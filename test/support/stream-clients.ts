import { request as httpRequest, IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { TestApp } from './test-app';

/** Starts the app's HTTP server on a free port (SSE and WebSocket need a real socket). */
export async function listen(t: TestApp): Promise<string> {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.getHttpServer().address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return `http://127.0.0.1:${address.port}`;
}

export interface SseMessage {
  id?: string;
  event?: string;
  data: any;
}

/** A minimal Server-Sent Events client on node:http: real socket, parses frames as they come. */
export class SseClient {
  readonly messages: SseMessage[] = [];
  readonly comments: string[] = [];
  status = 0;
  body = '';
  ended = false;
  private buffer = '';
  private response?: IncomingMessage;
  private readonly req;
  readonly opened: Promise<void>;
  readonly done: Promise<void>;

  constructor(url: string, headers: Record<string, string> = {}) {
    let resolveDone!: () => void;
    this.done = new Promise((resolve) => (resolveDone = resolve));
    this.req = httpRequest(url, { headers: { accept: 'text/event-stream', ...headers } });
    this.opened = new Promise((resolve, reject) => {
      this.req.on('response', (res) => {
        this.response = res;
        this.status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (this.status !== 200) this.body += chunk;
          else this.parse(chunk);
        });
        const finish = () => {
          this.ended = true;
          resolveDone();
        };
        res.on('end', finish);
        res.on('close', finish);
        res.on('error', finish);
        resolve();
      });
      this.req.on('error', (error) => {
        this.ended = true;
        resolveDone();
        reject(error);
      });
    });
    this.req.end();
  }

  /** Public events only (not the server's `close` frame). */
  get events(): SseMessage[] {
    return this.messages.filter((m) => m.event !== 'close');
  }

  get lastId(): string | undefined {
    return this.events.at(-1)?.id;
  }

  close(): void {
    this.response?.destroy();
    this.req.destroy();
  }

  /** Stops reading: the server's writes back up as behind a stalled client. */
  pause(): void {
    this.response?.pause();
  }

  resume(): void {
    this.response?.resume();
  }

  private parse(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const frame = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const message: Partial<SseMessage> = {};
      let data: string | undefined;
      for (const line of frame.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        else if (line.startsWith('id: ')) message.id = line.slice(4);
        else if (line.startsWith('event: ')) message.event = line.slice(7);
        else if (line.startsWith('data: ')) data = (data ? data + '\n' : '') + line.slice(6);
      }
      if (data !== undefined) this.messages.push({ ...message, data: JSON.parse(data) });
    }
  }
}

/** A WebSocket client that records every message. */
export class WsClient {
  readonly messages: any[] = [];
  closeCode?: number;
  closeReason?: string;
  readonly socket: WebSocket;
  readonly opened: Promise<void>;
  readonly closed: Promise<void>;
  unexpectedStatus?: number;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.socket = new WebSocket(url.replace(/^http/, 'ws'), { headers });
    this.socket.on('message', (raw) =>
      this.messages.push(JSON.parse((raw as Buffer).toString('utf8'))),
    );
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('unexpected-response', (_req, res) => {
        this.unexpectedStatus = res.statusCode;
        reject(new Error(`unexpected status ${res.statusCode}`));
      });
      this.socket.once('error', reject);
    });
    this.closed = new Promise((resolve) => {
      this.socket.once('close', (code, reason) => {
        this.closeCode = code;
        this.closeReason = reason.toString();
        resolve();
      });
      this.socket.once('error', () => resolve());
    });
  }

  send(message: Record<string, unknown>): void {
    this.socket.send(JSON.stringify(message));
  }

  events(channel: string): any[] {
    return this.messages.filter((m) => m.op === 'event' && m.channel === channel);
  }

  of(op: string): any[] {
    return this.messages.filter((m) => m.op === op);
  }

  close(): void {
    this.socket.terminate();
  }
}

/** Asserts that seqs are strictly increasing by one from `first`. */
export function seqs(messages: Array<{ seq: number }>): number[] {
  return messages.map((m) => m.seq);
}
