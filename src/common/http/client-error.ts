import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { ErrorCode } from '../errors/error-code';
import { ErrorEnvelope, envelopeMeta } from './envelope';

/** What the answer to a request Node's HTTP parser refused says. */
interface ClientErrorAnswer {
  status: number;
  code: ErrorCode;
  message: string;
}

/** Node's parser codes → our answer. The limit is Node's `maxHeaderSize` (16 kB). */
export function clientErrorAnswer(parserCode: string | undefined): ClientErrorAnswer {
  if (parserCode === 'HPE_HEADER_OVERFLOW') {
    return {
      status: 431,
      code: 'PAYLOAD_TOO_LARGE',
      message: 'The URL and headers together are larger than 16 kB.',
    };
  }
  if (parserCode === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return {
      status: 408,
      code: 'VALIDATION_FAILED',
      message: 'The request took too long to arrive.',
    };
  }
  return { status: 400, code: 'VALIDATION_FAILED', message: 'The request is not valid HTTP.' };
}

/**
 * Fastify's `clientErrorHandler`: Node's parser refused the request (request line malformed,
 * URL or headers over 16 kB) before Fastify, a hook or a filter saw it. Answer with the
 * error envelope and an `X-Request-Id` like every other error; nothing of the request was
 * read, so the id is a new one. Replaces Fastify's default, which sent a body of its own.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const { status, code, message } = clientErrorAnswer(error.code);
    const requestId = randomUUID();
    const envelope: ErrorEnvelope = {
      success: false,
      error: { code, message },
      meta: envelopeMeta(requestId),
    };
    const body = JSON.stringify(envelope);
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-Id: ${requestId}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  }
  socket.destroy(error);
}
