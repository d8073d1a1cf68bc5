export class UnexpectedValueError extends Error {
  override name = 'UnexpectedValueError';
}

/**
 * Ends an exhaustive `switch`: compiles only when every case is handled, and throws if a value
 * the types ruled out (a job name from a newer producer, say) arrives at run time anyway.
 */
export function assertNever(value: never, what = 'value'): never {
  throw new UnexpectedValueError(`Unexpected ${what}: ${JSON.stringify(value)}`);
}
