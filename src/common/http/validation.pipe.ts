import { ValidationError, ValidationPipe } from '@nestjs/common';
import { ValidationFailedError } from '../errors/app-error';

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

/** Global pipe: strict DTOs, unknown fields rejected, one error with details per field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
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
