import { Logger } from '@nestjs/common';
import { onceEvery } from './once-every';

/** How often one dependency that stays down is reported: often enough to see, rarely enough to read. */
export const DEPENDENCY_WARNING_INTERVAL_MS = 5_000;

export type Dependency = 'redis' | 'postgres';

const gates = new Map<Dependency, () => boolean>();
const logger = new Logger('Dependencies');

/**
 * Reports a dependency's connection error: at most one warning line per dependency every
 * few seconds, however many clients (shared client, each queue, each worker) see it. Every
 * client retries on its own; this only decides what reaches the log. `source` says which
 * client saw it first, `reason` is the error's code or message, never a stack.
 */
export function warnDependencyDown(dependency: Dependency, source: string, error: unknown): void {
  let gate = gates.get(dependency);
  if (!gate) {
    gate = onceEvery(DEPENDENCY_WARNING_INTERVAL_MS);
    gates.set(dependency, gate);
  }
  if (!gate()) return;
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const reason = typeof code === 'string' ? code : typeof message === 'string' ? message : 'error';
  logger.warn({ dependency, source, reason }, `${dependency} unavailable (${reason}); retrying`);
}
