import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ModulesContainer } from '@nestjs/core';
import { getMetadataStorage } from 'class-validator';
import { TestApp, createTestApp } from './support/test-app';

/**
 * Issue 20 item 1: what the server validates and what the document says must agree. For
 * every route's @Body and @Query DTO, this walks class-validator's metadata and compares
 * each field with the served document: the same fields, the same required ones, enums,
 * formats, lengths, bounds and decimal places. A field declared with `Field.*` agrees by
 * construction; one declared by hand with drifting decorators fails here.
 */
type Json = Record<string, any>;
type Schema = Json;
// A class: validation metadata is keyed by its constructor.
type DtoClass = abstract new (...args: never[]) => object;

interface Rule {
  type: string;
  name?: string;
  constraints?: any[];
}

function rulesByProperty(dto: DtoClass): Map<string, Rule[]> {
  const rules = new Map<string, Rule[]>();
  for (const meta of getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false)) {
    rules.set(meta.propertyName, [...(rules.get(meta.propertyName) ?? []), meta]);
  }
  return rules;
}

describe('validation and the OpenAPI document agree', () => {
  let t: TestApp;
  let document: Json;

  beforeAll(async () => {
    t = await createTestApp();
    document = (await t.request({ method: 'GET', url: '/docs-json' })).json();
  });
  afterAll(() => t.close());

  function resolve(schema: Schema): Schema {
    if (schema.$ref) return resolve(document.components.schemas[schema.$ref.split('/').pop()]);
    if (schema.allOf?.length === 1) return resolve(schema.allOf[0]);
    return schema;
  }

  function operations(): Map<string, Json> {
    const byId = new Map<string, Json>();
    for (const item of Object.values(document.paths as Json)) {
      for (const op of Object.values(item as Json)) {
        if (op.operationId) byId.set(op.operationId, op);
      }
    }
    return byId;
  }

  /** The query parameters as one object schema (a oneOf parameter adds its branches). */
  function querySchema(op: Json): Schema {
    const properties: Json = {};
    const required: string[] = [];
    for (const parameter of (op.parameters ?? []) as Json[]) {
      if (parameter.in !== 'query') continue;
      if (parameter.schema?.oneOf) {
        for (const branch of parameter.schema.oneOf) Object.assign(properties, branch.properties);
        continue;
      }
      properties[parameter.name] = { ...parameter.schema, description: parameter.description };
      if (parameter.required) required.push(parameter.name);
    }
    return { type: 'object', properties, required };
  }

  /** Every difference between a DTO's rules and its schema, as readable lines. */
  function compare(dto: DtoClass, schemaIn: Schema, where: string): string[] {
    const schema = resolve(schemaIn);
    const problems: string[] = [];
    const rules = rulesByProperty(dto);
    const documented = Object.keys(schema.properties ?? {});
    const validated = [...rules.keys()];
    for (const name of validated.filter((n) => !documented.includes(n))) {
      problems.push(`${where}.${name}: validated but not documented`);
    }
    for (const name of documented.filter((n) => !validated.includes(n))) {
      problems.push(`${where}.${name}: documented but not validated (the whitelist refuses it)`);
    }
    const required = new Set<string>(schema.required ?? []);
    for (const [name, propertyRules] of rules) {
      const property = schema.properties?.[name];
      if (!property) continue;
      const doc = resolve(property);
      const at = `${where}.${name}`;
      const has = (ruleName: string) => propertyRules.find((rule) => rule.name === ruleName);
      const optional = propertyRules.some((rule) => rule.type === 'conditionalValidation');
      if (optional === required.has(name)) {
        problems.push(`${at}: ${optional ? 'optional' : 'required'} but documented the other way`);
      }
      const isIn = has('isIn');
      if (isIn) {
        const allowed = [...(isIn.constraints?.[0] as string[])].sort();
        const listed = ((doc.enum ?? doc.items?.enum ?? []) as unknown[])
          .filter((value) => value !== null)
          .sort();
        // `fields` is a comma-separated list: its enum is in its description.
        const inText = allowed.every((value) => String(doc.description ?? '').includes(value));
        if (JSON.stringify(allowed) !== JSON.stringify(listed) && !inText) {
          problems.push(
            `${at}: enum ${JSON.stringify(listed)} but validates ${JSON.stringify(allowed)}`,
          );
        }
      }
      if (has('isUuid') && (doc.format ?? doc.items?.format) !== 'uuid')
        problems.push(`${at}: a UUID not documented as format uuid`);
      if (has('isEmail') && doc.format !== 'email')
        problems.push(`${at}: an email not documented as format email`);
      if (has('isApiDate') && doc.format !== 'date-time') {
        problems.push(`${at}: a date not documented as format date-time`);
      }
      if (has('isInt') && doc.type !== 'integer')
        problems.push(`${at}: an integer documented as ${doc.type}`);
      const length = has('isLength');
      if (length) {
        const [min, max] = length.constraints as [number, number];
        if ((min > 0 ? min : undefined) !== doc.minLength || max !== doc.maxLength) {
          problems.push(
            `${at}: length ${min}–${max} documented as ${doc.minLength}–${doc.maxLength}`,
          );
        }
      }
      for (const [ruleName, key] of [
        ['min', 'minimum'],
        ['max', 'maximum'],
      ] as const) {
        const rule = has(ruleName);
        if (rule && rule.constraints?.[0] !== doc[key]) {
          problems.push(`${at}: ${ruleName} ${rule.constraints?.[0]} documented as ${doc[key]}`);
        }
      }
      const decimal = has('isDecimalString');
      if (decimal) {
        const [places, min, max] = decimal.constraints as [number, string, string];
        if (doc.type !== 'string' || !String(doc.pattern).includes(`{1,${places}}`)) {
          problems.push(`${at}: ${places}-place decimal documented as ${doc.type} ${doc.pattern}`);
        }
        if (!String(doc.description).includes(`from ${min} to ${max}`)) {
          problems.push(`${at}: bounds ${min}–${max} not in the description`);
        }
      }
      const nested = propertyRules.find((rule) => rule.type === 'nestedValidation');
      if (nested) {
        const type = Reflect.getMetadata('design:type', dto.prototype, name) as DtoClass;
        problems.push(...compare(type, property, at));
      }
    }
    return problems;
  }

  it('every @Body and @Query DTO matches its schema, field by field', () => {
    const byId = operations();
    const problems: string[] = [];
    let checked = 0;
    for (const module of t.app.get(ModulesContainer).values()) {
      for (const wrapper of module.controllers.values()) {
        const controller = wrapper.metatype as DtoClass | null;
        if (!controller) continue;
        for (const method of Object.getOwnPropertyNames(controller.prototype)) {
          const op = byId.get(`${controller.name}_${method}`);
          if (!op) continue;
          const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, method) ?? {}) as Json;
          const types = (Reflect.getMetadata('design:paramtypes', controller.prototype, method) ??
            []) as DtoClass[];
          for (const [key, arg] of Object.entries(args)) {
            const [kind] = key.split(':');
            const dto = types[arg.index as number];
            if (!dto || arg.data !== undefined) continue;
            if (Number(kind) === Number(RouteParamtypes.BODY)) {
              const schema = op.requestBody?.content?.['application/json']?.schema;
              if (!schema) problems.push(`${op.operationId}: body ${dto.name} not documented`);
              else problems.push(...compare(dto, schema, `${op.operationId} body`));
              checked++;
            } else if (Number(kind) === Number(RouteParamtypes.QUERY)) {
              problems.push(...compare(dto, querySchema(op), `${op.operationId} query`));
              checked++;
            }
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(10);
    expect(problems).toEqual([]);
  });
});
