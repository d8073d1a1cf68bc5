/**
 * A start-up failure an operator can fix: it names the setting to look at. `main.ts` and
 * `worker.ts` print its message as the one line on stderr and exit 1, with no stack: the
 * stack of a refused connection says nothing the line does not.
 */
export class StartUpError extends Error {
  override name = 'StartUpError';

  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`cannot start: ${message} (check ${variable})`);
  }
}

/** The short reason in a connection error, without the address (the operator knows it). */
export function connectionReason(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && code !== '') return code;
  return typeof message === 'string' && message !== '' ? message.split('\n')[0] : String(error);
}

/**
 * Runs one start-up step and turns its failure into a `StartUpError` naming `variable`.
 * Errors that already name their cause (config, an earlier step) pass through unchanged.
 */
export async function startUpStep<T>(
  variable: string,
  describe: (reason: string) => string,
  step: () => Promise<T>,
): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof StartUpError) throw error;
    if (error instanceof Error && error.name === 'ConfigError') throw error;
    throw new StartUpError(variable, describe(connectionReason(error)));
  }
}

/** The one line printed for a failed start: config and start-up errors by message only. */
export function startUpFailureLine(error: unknown): string {
  if (error instanceof Error && (error.name === 'ConfigError' || error.name === 'StartUpError')) {
    return error.message;
  }
  // Unexpected: the stack is the only clue to the cause.
  return error instanceof Error && error.stack
    ? `cannot start: ${error.stack}`
    : `cannot start: ${String(error)}`;
}
