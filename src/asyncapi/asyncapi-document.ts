import type { ChannelSpec, JsonSchema } from './asyncapi-spec';
import { ASYNCAPI_CHANNELS } from './channels';
import { SHARED_SCHEMAS } from './channels/shared-schemas';

/** Where the API serves the document, beside Swagger UI's /docs and /docs-json. */
export const ASYNCAPI_DOCUMENT_PATH = '/docs/asyncapi.json';

/** The committed copy; test/asyncapi.spec.ts fails when it is stale. */
export const ASYNCAPI_DOCUMENT_FILE = 'docs/asyncapi.json';

export type AsyncApiDocument = { asyncapi: string } & Record<string, unknown>;

function addOnce<T>(target: Record<string, T>, key: string, value: T, what: string): void {
  if (key in target && JSON.stringify(target[key]) !== JSON.stringify(value)) {
    throw new Error(`AsyncAPI: two different ${what} named "${key}"`);
  }
  target[key] = value;
}

/**
 * The AsyncAPI 3 document of the API's asynchronous interfaces, assembled from
 * ASYNCAPI_CHANNELS. Pure (no app, no I/O): the same object is served at
 * ASYNCAPI_DOCUMENT_PATH and written to ASYNCAPI_DOCUMENT_FILE.
 */
export function buildAsyncApiDocument(
  channels: readonly ChannelSpec[] = ASYNCAPI_CHANNELS,
): AsyncApiDocument {
  const servers: Record<string, unknown> = {};
  const channelObjects: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const schemas: Record<string, JsonSchema> = { ...SHARED_SCHEMAS };

  for (const channel of channels) {
    const { server } = channel;
    addOnce(
      servers,
      server.id,
      {
        host: server.host,
        protocol: server.protocol,
        ...(server.pathname === undefined ? {} : { pathname: server.pathname }),
        title: server.title,
        description: server.description,
      },
      'servers',
    );
    for (const [id, schema] of Object.entries(channel.schemas ?? {})) {
      addOnce(schemas, id, schema, 'schemas');
    }
    const channelMessages: Record<string, unknown> = {};
    for (const message of channel.messages) {
      addOnce(schemas, message.payloadSchemaId, message.payload, 'schemas');
      addOnce(
        messages,
        message.id,
        {
          name: message.name,
          title: message.title,
          summary: message.summary,
          ...(message.description === undefined ? {} : { description: message.description }),
          contentType: 'application/json',
          payload: { $ref: `#/components/schemas/${message.payloadSchemaId}` },
          examples: message.examples,
          ...(message.headers === undefined ? {} : { headers: message.headers }),
          ...(message.bindings === undefined ? {} : { bindings: message.bindings }),
          ...message.extensions,
        },
        'messages',
      );
      channelMessages[message.id] = { $ref: `#/components/messages/${message.id}` };
    }
    addOnce(
      channelObjects,
      channel.id,
      {
        address: channel.address,
        title: channel.title,
        description: channel.description,
        servers: [{ $ref: `#/servers/${server.id}` }],
        ...(channel.parameters === undefined ? {} : { parameters: channel.parameters }),
        messages: channelMessages,
        ...(channel.bindings === undefined ? {} : { bindings: channel.bindings }),
        ...channel.extensions,
      },
      'channels',
    );
    for (const operation of channel.operations) {
      const ids = operation.messageIds ?? channel.messages.map((message) => message.id);
      for (const id of ids) {
        if (!(id in channelMessages)) {
          throw new Error(`AsyncAPI: operation ${operation.id} names unknown message ${id}`);
        }
      }
      addOnce(
        operations,
        operation.id,
        {
          action: operation.action,
          channel: { $ref: `#/channels/${channel.id}` },
          title: operation.title,
          summary: operation.summary,
          ...(operation.description === undefined ? {} : { description: operation.description }),
          messages: ids.map((id) => ({ $ref: `#/channels/${channel.id}/messages/${id}` })),
        },
        'operations',
      );
    }
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Market API: queues and streams',
      version: '1.0.0',
      description:
        "The API's asynchronous interfaces. Every payload carries a `version`: within a " +
        'version fields are only added and consumers ignore fields they do not know; a ' +
        'consumer refuses a version it does not know. Ids are UUIDs, timestamps ISO 8601 UTC ' +
        'with milliseconds, credits and shares decimal strings. The HTTP API is described by ' +
        'the OpenAPI document at /docs-json; the event streams (SSE, WebSocket) in more detail ' +
        'in docs/streaming.md, the queues in docs/queues.md, webhooks in docs/webhooks.md.',
      license: { name: 'MIT' },
    },
    defaultContentType: 'application/json',
    servers,
    channels: channelObjects,
    operations,
    components: { schemas, messages },
  };
}
