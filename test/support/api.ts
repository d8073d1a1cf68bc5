import type { InjectPayload, Response } from 'light-my-request';
import type { CursorPagination, ErrorEnvelope, OffsetPagination, SeqPagination } from './api-types';
import type { TestApp } from './test-app';

type Headers = Record<string, string>;

/**
 * Every page field of the three page shapes (offset, cursor, seq); a route fills one shape.
 * Declared present so a test reads them without guards; the test asserts which are there.
 */
export type AnyPagination = OffsetPagination & CursorPagination & SeqPagination;

/**
 * An answer's body as a test reads it: `data` on success, `error` on failure, `pagination`
 * on a page. All are declared present because the test, not the type, checks the status
 * and shape first (see expectError); the OpenAPI check in test-app.ts has already
 * validated the actual body against the route's documented schema.
 */
export interface ApiBody<T> {
  success: boolean;
  data: T;
  error: Required<ErrorEnvelope['error']>;
  meta: { requestId: string; timestamp: string; pagination: AnyPagination };
}

/**
 * An injected response whose `json()` is typed by the route's response class. Still a
 * light-my-request `Response` (json keeps its type parameter), so it goes wherever one does.
 */
export interface ApiResponse<T> extends Omit<Response, 'json'> {
  json<Body = ApiBody<T>>(): Body;
}

/**
 * Typed requests through the contract-checked `t.request`: the type argument names the
 * response's `data`, and a body can be checked against the route's DTO at the call site
 * (`api.post<TradeResultResponse>('/api/positions', { … } satisfies BuyDto, user.auth)`).
 */
export interface Api {
  get<T>(url: string, headers?: Headers): Promise<ApiResponse<T>>;
  delete<T = null>(url: string, headers?: Headers): Promise<ApiResponse<T>>;
  post<T>(url: string, payload?: InjectPayload, headers?: Headers): Promise<ApiResponse<T>>;
  put<T>(url: string, payload?: InjectPayload, headers?: Headers): Promise<ApiResponse<T>>;
  patch<T>(url: string, payload?: InjectPayload, headers?: Headers): Promise<ApiResponse<T>>;
}

export function api(t: TestApp): Api {
  const send = async <T>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    payload: InjectPayload | undefined,
    headers: Headers = {},
  ): Promise<ApiResponse<T>> => t.request({ method, url, headers, payload });
  return {
    get: (url, headers) => send('GET', url, undefined, headers),
    delete: (url, headers) => send('DELETE', url, undefined, headers),
    post: (url, payload, headers) => send('POST', url, payload, headers),
    put: (url, payload, headers) => send('PUT', url, payload, headers),
    patch: (url, payload, headers) => send('PATCH', url, payload, headers),
  };
}
