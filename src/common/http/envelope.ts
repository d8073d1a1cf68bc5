import { ErrorCode } from '../errors/error-code';
import { ErrorDetails } from '../errors/app-error';

export interface OffsetPagination {
  limit: number;
  offset: number;
  total: number;
  hasMore: boolean;
}

export interface CursorPagination {
  limit: number;
  nextCursor: string | null;
}

/** Pages of a sequence (GET /api/events): continue with `after=nextAfter`. */
export interface SeqPagination {
  limit: number;
  nextAfter: number;
  hasMore: boolean;
}

export interface EnvelopeMeta {
  requestId: string;
  timestamp: string;
  pagination?: OffsetPagination | CursorPagination | SeqPagination;
}

export interface SuccessEnvelope<T> {
  success: true;
  data: T;
  meta: EnvelopeMeta;
}

export interface ErrorEnvelope {
  success: false;
  error: { code: ErrorCode; message: string; details?: ErrorDetails };
  meta: EnvelopeMeta;
}

let lastMillis = 0;
let lastTimestamp = new Date(0).toISOString();

/** Now as an ISO string, formatted once per millisecond (many answers share one). */
function timestamp(): string {
  const now = Date.now();
  if (now !== lastMillis) {
    lastMillis = now;
    lastTimestamp = new Date(now).toISOString();
  }
  return lastTimestamp;
}

export function envelopeMeta(requestId: string): EnvelopeMeta {
  return { requestId, timestamp: timestamp() };
}

/** A page of items; the success envelope moves `pagination` into `meta` (successEnvelope). */
export class Page<T> {
  constructor(
    readonly items: T[],
    readonly pagination: OffsetPagination | CursorPagination | SeqPagination,
  ) {}
}
