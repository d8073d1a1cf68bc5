import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { OpenAPIObject } from '@nestjs/swagger';
import { CONTRACT_HEADERS } from '../../src/common/openapi/openapi-document';

type Json = Record<string, any>;

/** Paths the document does not describe on purpose: the documents, metrics, the dashboard. */
const UNDOCUMENTED = [/^\/docs(\/|-json|$)/, /^\/metrics(\/|$)/, /^\/admin\/queues(\/|$)/];

interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  responses: Json;
}

export interface ResponseToCheck {
  method: string;
  url: string;
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}

/**
 * Checks real responses against the served OpenAPI document: every status, contract header
 * and body shape must be documented for its operation. Hooked into the test app's request
 * helper (test/support/test-app.ts), so every e2e file checks the contract as it runs.
 */
export class OpenApiResponseValidator {
  private readonly ajv: Ajv;
  private readonly operations: Operation[] = [];
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly headers: Json;

  constructor(document: OpenAPIObject) {
    // OpenAPI 3.0 schemas: `nullable`, `example` and friends are not JSON Schema keywords.
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    this.headers = document.components?.headers ?? {};
    this.ajv.addSchema({ $id: 'openapi', components: document.components ?? {} });
    for (const [template, pathItem] of Object.entries(document.paths)) {
      const pattern = new RegExp(
        `^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^/]+\}/g, '[^/]+')}$`,
      );
      for (const [method, operation] of Object.entries(pathItem as Json)) {
        if (!['get', 'put', 'post', 'delete', 'patch'].includes(method)) continue;
        // A route without a tag is not part of the contract: the probe controllers some
        // tests mount (openapi-document.e2e-spec checks every real operation has a tag).
        if (!((operation as Json).tags as string[] | undefined)?.length) continue;
        this.operations.push({
          method: method.toUpperCase(),
          template,
          pattern,
          responses: (operation as Json).responses ?? {},
        });
      }
    }
  }

  private resolveHeader(header: Json): Json {
    const ref = header.$ref as string | undefined;
    return ref ? (this.headers[ref.split('/').pop()!] ?? {}) : header;
  }

  private schemaValidator(key: string, schema: Json): ValidateFunction {
    let validate = this.compiled.get(key);
    if (!validate) {
      const rewritten = JSON.parse(
        JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/'),
      ) as Json;
      validate = this.ajv.compile(rewritten);
      this.compiled.set(key, validate);
    }
    return validate;
  }

  /** The problems with one response; empty when it matches the document. */
  check(response: ResponseToCheck): string[] {
    const path = response.url.split('?')[0];
    if (UNDOCUMENTED.some((pattern) => pattern.test(path))) return [];
    // Without a matching template the route is not ours to check (an unknown path is a
    // 404 of the router; probe modules of some tests mount routes the app does not have).
    const candidates = this.operations.filter((op) => op.pattern.test(path));
    const operation =
      candidates.find((op) => op.method === response.method) ??
      (response.method === 'HEAD' ? candidates.find((op) => op.method === 'GET') : undefined);
    if (!operation) return [];
    const where = `${response.method} ${operation.template} → ${response.statusCode}`;
    const documented = (operation.responses[String(response.statusCode)] ??
      operation.responses.default) as Json | undefined;
    if (!documented) {
      return [
        `${where}: status not documented (documented: ${Object.keys(operation.responses).join(', ')})`,
      ];
    }
    const problems: string[] = [];
    const headers = Object.fromEntries(
      Object.entries((documented.headers ?? {}) as Json).map(([name, doc]) => [
        name.toLowerCase(),
        this.resolveHeader(doc as Json),
      ]),
    );
    for (const [name, doc] of Object.entries(headers)) {
      if (doc.required && response.headers[name] === undefined) {
        problems.push(`${where}: required header ${name} missing`);
      }
    }
    for (const name of CONTRACT_HEADERS) {
      if (response.headers[name] !== undefined && !headers[name]) {
        problems.push(`${where}: header ${name} sent but not documented`);
      }
    }
    const content = documented.content as Json | undefined;
    if (!content) {
      if (response.body.length > 0 && response.method !== 'HEAD') {
        problems.push(`${where}: a body was sent, none is documented`);
      }
      return problems;
    }
    const schema = (content['application/json'] as Json | undefined)?.schema as Json | undefined;
    if (!schema || response.method === 'HEAD') return problems;
    let body: unknown;
    try {
      body = JSON.parse(response.body);
    } catch {
      return [...problems, `${where}: body is not JSON: ${response.body.slice(0, 200)}`];
    }
    const validate = this.schemaValidator(
      `${response.method} ${operation.template} ${response.statusCode}`,
      schema,
    );
    if (!validate(body)) {
      problems.push(
        `${where}: body does not match the document: ${this.ajv.errorsText(validate.errors, {
          separator: '; ',
        })}\n  body: ${response.body.slice(0, 500)}`,
      );
    }
    return problems;
  }
}
