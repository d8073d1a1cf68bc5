import type { JsonSchema } from '../asyncapi-spec';

/**
 * Value formats every payload shares (docs/queues.md, "Common rules"), in
 * `components.schemas`. Money and shares are decimal strings, never JSON numbers.
 */
export const SHARED_SCHEMAS = {
  Uuid: { type: 'string', format: 'uuid', examples: ['b8b9e513-9909-4f9b-a9f5-01d604cdde20'] },
  Timestamp: {
    type: 'string',
    format: 'date-time',
    description: 'ISO 8601 in UTC with milliseconds.',
    examples: ['2026-11-22T21:06:43.184Z'],
  },
  Credits: {
    type: 'string',
    pattern: '^-?\\d+\\.\\d{2}$',
    description: 'Credits: a decimal string with 2 places.',
    examples: ['10.00'],
  },
  Shares: {
    type: 'string',
    pattern: '^\\d+\\.\\d{6}$',
    description: 'Shares: a decimal string with 6 places.',
    examples: ['19.090282'],
  },
  Probability: {
    type: 'string',
    pattern: '^(0\\.\\d{6}|1\\.000000)$',
    description: 'Probability of YES: a decimal string with 6 places.',
    examples: ['0.547581'],
  },
} satisfies Record<string, JsonSchema>;

export type SharedSchemaName = keyof typeof SHARED_SCHEMAS;

/** A `$ref` to a schema in `components.schemas`. */
export function ref(name: SharedSchemaName | (string & {})): JsonSchema {
  return { $ref: `#/components/schemas/${name}` };
}

/** The `version` field of a payload: this exact integer. */
export function payloadVersion(version: number): JsonSchema {
  return {
    type: 'integer',
    const: version,
    description:
      'Payload schema version. Within a version fields are only added; consumers must refuse a version they do not know.',
  };
}
