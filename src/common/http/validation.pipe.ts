import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { ValidationFailedError } from '../errors/app-error';

/** Far deeper than any DTO (they nest two levels). */
export const MAX_INPUT_DEPTH = 32;
/** Names every object inherits: class-validator's whitelist takes them for declared fields. */
const INHERITED_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));
/** UTF-16 surrogates without their pair: not Unicode text, PostgreSQL cannot store them. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** NUL (PostgreSQL text cannot hold it) or a lone surrogate. */
const notStorable = (text: string) => text.includes('\u0000') || LONE_SURROGATE.test(text);

/** Flattens class-validator errors into `{ "field.path": ["message", …] }`. */
export function validationDetails(
  errors: ValidationError[],
  parent = '',
): Record<string, string[]> {
  const details: Record<string, string[]> = {};
  for (const error of errors) {
    const path = parent ? `${parent}.${error.property}` : error.property;
    if (error.constraints) details[path] = Object.values(error.constraints);
    Object.assign(details, validationDetails(error.children ?? [], path));
  }
  return details;
}

/**
 * Input every DTO must refuse whatever its fields, found without recursion (a hostile body
 * can be nested thousands deep): nesting past MAX_INPUT_DEPTH, which would overflow the
 * stack of class-transformer; a key named like an Object.prototype member (`constructor`,
 * `toString`…), which the whitelist would otherwise let through as if declared; a string
 * with NUL or a lone surrogate, which PostgreSQL cannot store.
 */
export function inputProblem(input: unknown): { path: string; message: string } | null {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [
    { value: input, path: '', depth: 0 },
  ];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      if (notStorable(value)) {
        return { path, message: 'must not contain NUL characters or unpaired surrogates' };
      }
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_INPUT_DEPTH) {
      return { path, message: `is nested more than ${MAX_INPUT_DEPTH} levels deep` };
    }
    for (const key of Object.keys(value)) {
      const child = path ? `${path}.${key}` : key;
      if (!Array.isArray(value) && (INHERITED_NAMES.has(key) || notStorable(key))) {
        return { path: child, message: 'is not an allowed field name' };
      }
      stack.push({ value: (value as Record<string, unknown>)[key], path: child, depth: depth + 1 });
    }
  }
  return null;
}

/** Refuses what no DTO may contain (see inputProblem), then validates as usual. */
class AppValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query' || metadata.type === 'param') {
      const problem = inputProblem(value);
      if (problem) {
        const field = problem.path || metadata.data || metadata.type;
        throw new ValidationFailedError(`${field} ${problem.message}.`, {
          [field]: [`${field} ${problem.message}`],
        });
      }
    }
    return super.transform(value, metadata);
  }
}

/** Global pipe: strict DTOs, unknown fields rejected, one error with details per field. */
export function createValidationPipe(): ValidationPipe {
  return new AppValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) =>
      new ValidationFailedError('The request is not valid.', validationDetails(errors)),
  });
}
