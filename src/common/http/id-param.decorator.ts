import { Param, ParseUUIDPipe } from '@nestjs/common';
import { ValidationFailedError } from '../errors/app-error';

/** A UUID path parameter: a malformed id is a 400 with the envelope, never a query. */
export const IdParam = (name = 'id') =>
  Param(
    name,
    new ParseUUIDPipe({
      exceptionFactory: () =>
        new ValidationFailedError(`${name} must be a UUID.`, {
          [name]: [`${name} must be a UUID`],
        }),
    }),
  );
