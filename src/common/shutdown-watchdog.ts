/**
 * Bounds graceful shutdown: Nest closes HTTP, queues and connections on SIGTERM/SIGINT, and
 * waits for in-flight work. If a dependency is unreachable and a close hangs, the process
 * still exits after `timeoutMs` so an orchestrator's restart is never blocked.
 */
export function armShutdownWatchdog(timeoutMs = 15_000): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      setTimeout(() => {
        console.error(`graceful shutdown took over ${timeoutMs} ms; exiting`);
        process.exit(1);
      }, timeoutMs).unref();
    });
  }
}
