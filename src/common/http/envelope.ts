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

/**
 * A handler result already serialized as JSON (UTF-8 bytes), for answers served over and over
 * from one cached value: the success envelope is assembled around the bytes
 * (`successEnvelopeBytes`) instead of the value being stringified again for each request.
 * `T` is the type the bytes encode, for the reader (and the route's declared result).
 */
export class SerializedJson<T> {
  declare private readonly encodes?: T;
  constructor(readonly bytes: Buffer) {}

  static of<T>(value: T): SerializedJson<T> {
    return new SerializedJson<T>(Buffer.from(JSON.stringify(value)));
  }
}

const ENVELOPE_HEAD = Buffer.from('{"success":true,"data":');
const META_KEY = Buffer.from(',"meta":');
const ENVELOPE_TAIL = Buffer.from('}');

/** The bytes of `JSON.stringify(successEnvelope(value, requestId))` for a serialized value. */
export function successEnvelopeBytes(data: SerializedJson<unknown>, requestId: string): Buffer {
  return Buffer.concat([
    ENVELOPE_HEAD,
    data.bytes,
    META_KEY,
    Buffer.from(JSON.stringify(envelopeMeta(requestId))),
    ENVELOPE_TAIL,
  ]);
}
