import {
  DiagnosticSeverity,
  Parser,
  type AsyncAPIDocumentInterface,
  type Diagnostic,
} from '@asyncapi/parser';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { buildAsyncApiDocument } from '../../src/asyncapi/asyncapi-document';

export interface ParsedAsyncApi {
  document: AsyncAPIDocumentInterface | undefined;
  diagnostics: Diagnostic[];
}

/** Parses and validates a document with the official parser (its Spectral ruleset included). */
export async function parseAsyncApi(document: unknown): Promise<ParsedAsyncApi> {
  const { document: parsed, diagnostics } = await new Parser().parse(JSON.stringify(document));
  return { document: parsed, diagnostics };
}

/** Diagnostics at error or warning level, readable (hints such as "3.1.0 exists" pass). */
export function problems(diagnostics: Diagnostic[]): string[] {
  return (
    diagnostics
      // Two copies of @stoplight/types' enum meet here: compare as numbers (Error 0, Warning 1).
      .filter((diagnostic) => Number(diagnostic.severity) <= Number(DiagnosticSeverity.Warning))
      .map((d) => `${d.code} at ${d.path.join('.')}: ${d.message}`)
  );
}

/**
 * One JSON Schema validator per message, keyed `<channel address>/<message name>` (e.g.
 * `settlement/settle`), compiled from the payloads the parser resolved ($refs inlined).
 */
export async function payloadValidators(
  document: unknown = buildAsyncApiDocument(),
): Promise<Map<string, ValidateFunction>> {
  const { document: parsed, diagnostics } = await parseAsyncApi(document);
  if (!parsed) throw new Error(`AsyncAPI document invalid: ${problems(diagnostics).join('; ')}`);
  // strict: false because the parser annotates schemas with `x-parser-schema-id`.
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const validators = new Map<string, ValidateFunction>();
  for (const channel of parsed.channels().all()) {
    for (const message of channel.messages().all()) {
      const key = `${channel.address()}/${message.name()}`;
      validators.set(key, ajv.compile(message.payload()!.json()));
    }
  }
  return validators;
}

/** Throws a readable error unless `data` is a valid payload of that channel's message. */
export function expectValidPayload(
  validators: Map<string, ValidateFunction>,
  channel: string,
  messageName: string,
  data: unknown,
): void {
  const validate = validators.get(`${channel}/${messageName}`);
  if (!validate) throw new Error(`the AsyncAPI document has no message ${channel}/${messageName}`);
  if (!validate(data)) {
    throw new Error(
      `${channel}/${messageName} payload does not match the AsyncAPI document: ` +
        `${JSON.stringify(validate.errors)}\npayload: ${JSON.stringify(data)}`,
    );
  }
}
