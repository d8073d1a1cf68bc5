import { HttpException } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { QueryFailedError } from 'typeorm';
import { AppError, ErrorDetails } from '../errors/app-error';
import { ERROR_STATUS, ErrorCode } from '../errors/error-code';

export interface MappedError {
  status: number;
  code: ErrorCode;
  message: string;
  details?: ErrorDetails;
  /** True when the error is unexpected and its stack must be logged. */
  unexpected: boolean;
  /** The client went away mid-request: nobody reads the answer, worth a debug line only. */
  clientHungUp?: boolean;
}

/**
 * The client closed the connection while Fastify read the body: Node's `aborted` error
 * (ECONNRESET), to which Fastify's body reader gave a 400 status.
 */
function isBodyAbortedByClient(error: unknown): boolean {
  const candidate = error as { code?: unknown; message?: unknown; statusCode?: unknown } | null;
  return (
    candidate?.code === 'ECONNRESET' &&
    candidate.message === 'aborted' &&
    candidate.statusCode === 400
  );
}

const CODE_BY_STATUS: Partial<Record<number, ErrorCode>> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

/** Fastify's own client errors (body parsing, content type) carry a status and an FST_ code. */
interface FastifyClientError {
  statusCode: number;
  code: string;
  message: string;
}

function isFastifyClientError(error: unknown): error is FastifyClientError {
  const candidate = error as Partial<FastifyClientError> | null;
  return (
    typeof candidate?.statusCode === 'number' &&
    candidate.statusCode >= 400 &&
    candidate.statusCode < 500 &&
    typeof candidate.code === 'string' &&
    candidate.code.startsWith('FST_')
  );
}

const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'The body is not valid JSON.',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The body is empty but the content type says JSON.',
  FST_ERR_CTP_BODY_TOO_LARGE: 'The body is larger than the limit.',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'The content type is not supported; send application/json.',
  FST_ERR_BAD_URL: 'The URL is malformed.',
  FST_ERR_MAX_PARAM_LENGTH: 'A path parameter is too long.',
};
/** Client errors answered with another status than Fastify's: an over-long id is a bad id. */
const FASTIFY_STATUS: Record<string, number> = { FST_ERR_MAX_PARAM_LENGTH: 400 };

/** PostgreSQL SQLSTATEs that mean "the caller's request collides with existing data". */
const PG_CONFLICTS: Record<string, string> = {
  '23505': 'A resource with the same unique value already exists.',
  '23503': 'The request refers to a resource that does not exist or is still in use.',
};
/** SQLSTATEs that mean "try again": serialization failure, deadlock, connection trouble. */
const PG_TRANSIENT = new Set(['40001', '40P01', '57P01', '57P03', '08006', '08003', '08001']);
const NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE']);
/** pg-pool's messages when no connection can be had in time or one dies mid-query. */
const POOL_EXHAUSTED = /timeout exceeded when trying to connect|Connection terminated/;

function fromHttpException(error: HttpException): MappedError {
  const status = error.getStatus();
  const body = error.getResponse();
  const message =
    typeof body === 'string'
      ? body
      : typeof (body as { message?: unknown }).message === 'string'
        ? (body as { message: string }).message
        : error.message;
  const code = CODE_BY_STATUS[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'VALIDATION_FAILED');
  // Terminus puts the per-dependency status in the body of its 503: name what is down, and
  // only that: its messages are the driver's, with hosts and ports in them.
  if (status === 503 && typeof body === 'object') {
    const checks = (body as { details?: Record<string, { status?: unknown }> }).details ?? {};
    const statuses = Object.fromEntries(
      Object.entries(checks).map(([name, check]) => [name, check.status === 'up' ? 'up' : 'down']),
    );
    const down = Object.keys(statuses).filter((name) => statuses[name] === 'down');
    return {
      status,
      code,
      message: down.length ? `Not ready: ${down.join(', ')} unavailable.` : message,
      details: statuses,
      unexpected: false,
    };
  }
  return { status, code, message, unexpected: status >= 500 };
}

/** Maps anything thrown into a contract error. The one place that decides status and code. */
export function mapError(error: unknown): MappedError {
  if (error instanceof AppError) {
    const status = ERROR_STATUS[error.code];
    return {
      status,
      code: error.code,
      message: error.message,
      details: error.details,
      unexpected: error.code === 'INTERNAL_ERROR',
    };
  }
  if (error instanceof ThrottlerException) {
    return {
      status: 429,
      code: 'RATE_LIMITED',
      message: 'Too many requests; retry after the time in Retry-After.',
      unexpected: false,
    };
  }
  if (error instanceof HttpException) return fromHttpException(error);
  if (isBodyAbortedByClient(error)) {
    return {
      status: 400,
      code: 'VALIDATION_FAILED',
      message: 'The connection closed before the whole body arrived.',
      unexpected: false,
      clientHungUp: true,
    };
  }
  if (isFastifyClientError(error)) {
    const status = FASTIFY_STATUS[error.code] ?? error.statusCode;
    return {
      status,
      code: CODE_BY_STATUS[status] ?? 'VALIDATION_FAILED',
      message: FASTIFY_MESSAGES[error.code] ?? 'The request could not be read.',
      unexpected: false,
    };
  }
  const sqlState = (error as { driverError?: { code?: string }; code?: string } | null)?.driverError
    ?.code;
  if (error instanceof QueryFailedError && sqlState && PG_CONFLICTS[sqlState]) {
    return { status: 409, code: 'CONFLICT', message: PG_CONFLICTS[sqlState], unexpected: false };
  }
  const code = sqlState ?? (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : '';
  if (
    (typeof code === 'string' && (PG_TRANSIENT.has(code) || NETWORK_ERRORS.has(code))) ||
    POOL_EXHAUSTED.test(message)
  ) {
    return {
      status: 503,
      code: 'SERVICE_UNAVAILABLE',
      message: 'A dependency is temporarily unavailable; retry shortly.',
      unexpected: true,
    };
  }
  return {
    status: 500,
    code: 'INTERNAL_ERROR',
    message: 'An unexpected error occurred.',
    unexpected: true,
  };
}
