import { ErrorCode } from './error-code';

export type ErrorDetails = Record<string, unknown>;

/**
 * The one error type services throw. It carries a contract code; the exception filter
 * turns it into a status and the error envelope. Services never throw `HttpException`.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetails,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationFailedError extends AppError {
  constructor(message = 'The request is not valid.', details?: ErrorDetails) {
    super('VALIDATION_FAILED', message, details);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'Authentication is required.') {
    super('UNAUTHORIZED', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'Your role does not allow this.') {
    super('FORBIDDEN', message);
  }
}

export class NotFoundError extends AppError {
  constructor(resource: string, id?: string) {
    super('NOT_FOUND', id ? `${resource} ${id} was not found.` : `${resource} was not found.`);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, details?: ErrorDetails) {
    super('CONFLICT', message, details);
  }
}

export class MarketNotOpenError extends AppError {
  constructor(status: string) {
    super('MARKET_NOT_OPEN', `The market is ${status} and takes no trades.`, { status });
  }
}

export class SlippageExceededError extends AppError {
  constructor(message: string, details?: ErrorDetails) {
    super('SLIPPAGE_EXCEEDED', message, details);
  }
}

export class InsufficientFundsError extends AppError {
  constructor(required: string, available: string) {
    super('INSUFFICIENT_FUNDS', `This needs ${required} credits; the balance is ${available}.`, {
      required,
      available,
    });
  }
}

export class InsufficientSharesError extends AppError {
  constructor(requested: string, held: string) {
    super('INSUFFICIENT_SHARES', `Cannot sell ${requested} shares; the position holds ${held}.`, {
      requested,
      held,
    });
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(message: string, details?: ErrorDetails) {
    super('SERVICE_UNAVAILABLE', message, details);
  }
}

export class RateLimitedError extends AppError {
  constructor(
    /** Sent as `Retry-After` (the contract promises it on every 429). */
    readonly retryAfterSeconds: number,
    message = 'Too many requests; retry after the time in Retry-After.',
    details?: ErrorDetails,
  ) {
    super('RATE_LIMITED', message, details);
  }
}
