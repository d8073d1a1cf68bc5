import { Type, applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ERROR_STATUS, ErrorCode } from '../errors/error-code';
import {
  CursorPaginationDto,
  EnvelopeMetaDto,
  ErrorEnvelopeDto,
  OffsetPaginationDto,
} from './envelope.schemas';

export const ERROR_EXAMPLE_MESSAGES: Record<ErrorCode, string> = {
  VALIDATION_FAILED: 'The request is not valid.',
  UNAUTHORIZED: 'Authentication is required.',
  FORBIDDEN: 'Your role does not allow this.',
  NOT_FOUND: 'Market 3f0b8f0e-4c1e-4d3b-9a59-2f7b0c1d9e21 was not found.',
  CONFLICT: 'The market has trades; cancel it via resolve instead.',
  MARKET_NOT_OPEN: 'The market is closed and takes no trades.',
  SLIPPAGE_EXCEEDED: 'The probability after the trade would be 0.7312, above maxProbability 0.7.',
  INSUFFICIENT_SHARES: 'Cannot sell 12.000000 shares; the position holds 10.000000.',
  IDEMPOTENCY_KEY_REUSED: 'This Idempotency-Key was used with a different request.',
  IDEMPOTENCY_KEY_IN_FLIGHT: 'A request with this Idempotency-Key is still being processed.',
  INSUFFICIENT_FUNDS: 'This needs 250.00 credits; the balance is 120.00.',
  PAYLOAD_TOO_LARGE: 'The body is larger than the limit.',
  RATE_LIMITED: 'Too many requests; retry after the time in Retry-After.',
  EVENTS_EXPIRED: 'Events after seq 12 are no longer kept; the oldest available seq is 4810.',
  INTERNAL_ERROR: 'An unexpected error occurred.',
  SERVICE_UNAVAILABLE: 'A dependency is temporarily unavailable; retry shortly.',
};

export const META_EXAMPLE = {
  requestId: '3f0b8f0e-4c1e-4d3b-9a59-2f7b0c1d9e21',
  timestamp: '2026-11-22T10:00:00.000Z',
};

interface EnvelopeOptions {
  status?: number;
  description?: string;
  /** `offset` or `cursor` for a list; the data is then an array. */
  paginated?: 'offset' | 'cursor' | 'either';
  isArray?: boolean;
}

/** Documents a success response wrapped in the envelope, with the model as `data`. */
export function ApiEnvelope(model: Type<unknown>, options: EnvelopeOptions = {}) {
  const list = options.paginated !== undefined || options.isArray === true;
  const data = list
    ? { type: 'array', items: { $ref: getSchemaPath(model) } }
    : { $ref: getSchemaPath(model) };
  const pagination =
    options.paginated === 'offset'
      ? { $ref: getSchemaPath(OffsetPaginationDto) }
      : options.paginated === 'cursor'
        ? { $ref: getSchemaPath(CursorPaginationDto) }
        : options.paginated === 'either'
          ? {
              oneOf: [
                { $ref: getSchemaPath(OffsetPaginationDto) },
                { $ref: getSchemaPath(CursorPaginationDto) },
              ],
            }
          : undefined;
  const meta = pagination
    ? {
        allOf: [
          { $ref: getSchemaPath(EnvelopeMetaDto) },
          { type: 'object', properties: { pagination } },
        ],
      }
    : { $ref: getSchemaPath(EnvelopeMetaDto) };
  return applyDecorators(
    ApiExtraModels(model, EnvelopeMetaDto, OffsetPaginationDto, CursorPaginationDto),
    ApiResponse({
      status: options.status ?? 200,
      description: options.description ?? 'Success',
      schema: {
        type: 'object',
        required: ['success', 'data', 'meta'],
        properties: { success: { type: 'boolean', example: true }, data, meta },
      },
    }),
  );
}

/** Where ApiErrors accumulates the codes of a handler or controller (read by openapi-document). */
export const API_ERROR_CODES = 'openapi:error-codes';

/**
 * Remembers codes across every ApiErrors on the same handler or class: Swagger keeps only the
 * last ApiResponse per status, so two decorators naming 422 codes would otherwise lose one.
 */
function RememberErrorCodes(codes: ErrorCode[]): MethodDecorator & ClassDecorator {
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const holder = (descriptor?.value ?? target) as object;
    const existing =
      (Reflect.getMetadata(API_ERROR_CODES, holder) as ErrorCode[] | undefined) ?? [];
    Reflect.defineMetadata(API_ERROR_CODES, [...new Set([...existing, ...codes])], holder);
  };
}

/**
 * Documents error responses, one per status, each in the error envelope with examples. The
 * document builder merges every code of an operation per status (openapi-document.ts).
 */
export function ApiErrors(...codes: ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set<ErrorCode>([...codes, 'INTERNAL_ERROR'])) {
    const status = ERROR_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return applyDecorators(
    RememberErrorCodes(codes),
    ApiExtraModels(ErrorEnvelopeDto),
    ...[...byStatus.entries()].map(([status, statusCodes]) =>
      ApiResponse({
        status,
        description: statusCodes.join(' or '),
        content: {
          'application/json': {
            schema: { $ref: getSchemaPath(ErrorEnvelopeDto) },
            examples: Object.fromEntries(
              statusCodes.map((code) => [
                code,
                {
                  value: {
                    success: false,
                    error: { code, message: ERROR_EXAMPLE_MESSAGES[code] },
                    meta: META_EXAMPLE,
                  },
                },
              ]),
            ),
          },
        },
      }),
    ),
  );
}
