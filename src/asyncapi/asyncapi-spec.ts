/**
 * The parts an AsyncAPI 3 document is assembled from (asyncapi-document.ts). Each channel file
 * describes one channel with everything it needs (server, messages, operations), so adding a
 * channel is one file plus one line in channels/index.ts.
 */

/** A JSON Schema (AsyncAPI's default schema format is a superset of JSON Schema draft 07). */
export type JsonSchema = { [keyword: string]: unknown };

/** Keys of T that are not optional. */
type RequiredKeys<T> = {
  [K in keyof T]-?: object extends Pick<T, K> ? never : K;
}[keyof T];

/**
 * An object schema whose property names are checked against the code's own payload type T:
 * `properties` must name every field of T and no other, `required` only fields T requires.
 * So adding, renaming or removing a field of a job's type fails `tsc` until the document
 * follows; the e2e test (test/asyncapi.e2e-spec.ts) checks the values of real jobs.
 */
export function objectSchema<T>(schema: {
  description?: string;
  properties: { [K in keyof Required<T>]: JsonSchema };
  required: readonly RequiredKeys<T>[];
}): JsonSchema {
  return {
    type: 'object',
    ...(schema.description === undefined ? {} : { description: schema.description }),
    required: [...schema.required],
    properties: schema.properties,
  };
}

export interface MessageExample {
  name: string;
  summary: string;
  payload: unknown;
}

export interface MessageSpec {
  /** Key in `components.messages`, versioned: e.g. `settleV1`. */
  id: string;
  /** The name on the wire: BullMQ's job name, or an SSE event name. */
  name: string;
  title: string;
  summary: string;
  description?: string;
  /** Key in `components.schemas` of the payload, versioned: e.g. `SettleJobV1`. */
  payloadSchemaId: string;
  payload: JsonSchema;
  examples: MessageExample[];
  /** Schema of message headers, e.g. an SSE `id` or WebSocket frame metadata. */
  headers?: JsonSchema;
  /** Protocol bindings (`ws`, `http`, …) as AsyncAPI defines them. */
  bindings?: Record<string, unknown>;
  /** `x-…` extensions, e.g. how the BullMQ job id is formed. */
  extensions?: Record<`x-${string}`, unknown>;
}

export interface OperationSpec {
  /** Key in `operations`. */
  id: string;
  /** From the API's side: `send` = the API produces, `receive` = the API consumes. */
  action: 'send' | 'receive';
  title: string;
  summary: string;
  description?: string;
  /** Message ids of this channel; all of them when left out. */
  messageIds?: string[];
}

export interface ServerSpec {
  /** Key in `servers`. */
  id: string;
  host: string;
  protocol: string;
  pathname?: string;
  title: string;
  description: string;
}

export interface ChannelSpec {
  /** Key in `channels`. */
  id: string;
  /** Where it lives on its server: a BullMQ queue name, an HTTP path (`/api/markets/{id}/…`). */
  address: string;
  /** The `{name}` parts of `address`. */
  parameters?: Record<string, { description: string; examples?: string[] }>;
  /** Protocol bindings (`ws`, `http`, …) as AsyncAPI defines them. */
  bindings?: Record<string, unknown>;
  title: string;
  description: string;
  server: ServerSpec;
  messages: MessageSpec[];
  operations: OperationSpec[];
  /**
   * Schemas the payloads refer to by `$ref` besides their own and the shared formats (e.g.
   * the WebSocket `event` message wraps the stream events), added to `components.schemas`.
   */
  schemas?: Record<string, JsonSchema>;
  /** `x-…` extensions, e.g. the BullMQ key prefix and job options. */
  extensions?: Record<`x-${string}`, unknown>;
}
