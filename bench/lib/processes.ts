import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Pin to this CPU with taskset. */
  cpu?: number;
  /** `prefix`: copy output to our stderr, prefixed; `capture`: keep stdout for the caller. */
  output: 'prefix' | 'capture';
  /** stdin text (the pipe is closed after it). */
  input?: string;
}

export interface Child {
  name: string;
  process: ChildProcess;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  /** Captured stdout (`capture` mode). */
  stdout(): string;
  /** Last lines of output, for error messages. */
  tail(): string;
}

const TAIL_LINES = 40;

/** Whether `taskset` can pin here (Linux with util-linux, and more than one CPU). */
export function canPin(cores: number): boolean {
  if (cores < 2) return false;
  return spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' }).status === 0;
}

/**
 * Every child process of a run. `stopAll` (normal end, errors) stops them gracefully;
 * `killAllNow` is the synchronous last resort on `process.exit`.
 */
export class ChildRegistry {
  private readonly children = new Set<Child>();
  private closed = false;

  spawn(name: string, command: string, args: string[], options: SpawnOptions): Child {
    if (this.closed) throw new Error(`not starting ${name}: shutting down`);
    const [cmd, argv] =
      options.cpu === undefined
        ? [command, args]
        : ['taskset', ['-c', String(options.cpu), command, ...args]];
    const proc = spawn(cmd, argv, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    const remember = (text: string) => {
      lines.push(...text.split('\n').filter((l) => l.length > 0));
      if (lines.length > TAIL_LINES) lines.splice(0, lines.length - TAIL_LINES);
    };
    const forward = (chunk: Buffer) => {
      const text = chunk.toString();
      remember(text);
      for (const line of text.split('\n')) {
        if (line.length > 0) process.stderr.write(`  [${name}] ${line}\n`);
      }
    };
    let captured = '';
    if (options.output === 'capture') {
      proc.stdout.on('data', (chunk: Buffer) => (captured += chunk.toString()));
    } else {
      proc.stdout.on('data', forward);
    }
    proc.stderr.on('data', forward);
    proc.stdin.on('error', () => undefined);
    proc.stdin.end(options.input ?? '');

    const child: Child = {
      name,
      process: proc,
      exited: new Promise((resolve) => {
        proc.on('exit', (code, signal) => {
          this.children.delete(child);
          resolve(code ?? signal ?? 'unknown');
        });
        proc.on('error', (error) => {
          this.children.delete(child);
          remember(error.message);
          resolve(error.message);
        });
      }),
      stdout: () => captured,
      tail: () => lines.join('\n'),
    };
    this.children.add(child);
    return child;
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(child: Child, graceMs = 5000): Promise<void> {
    if (child.process.exitCode !== null || child.process.signalCode !== null) return;
    child.process.kill('SIGTERM');
    const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs);
    await child.exited;
    clearTimeout(timer);
  }

  /** Stops every child; no new child starts afterwards. */
  async stopAll(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.children].map((child) => this.stop(child)));
  }

  killAllNow(): void {
    this.closed = true;
    for (const child of this.children) child.process.kill('SIGKILL');
  }
}

/** A TCP port free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

/** Polls `url` until it answers 2xx; fails early if `child` exits first. */
export async function waitForHttp(url: string, child: Child, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: number | string | undefined;
  void child.exited.then((code) => (exited = code));
  let lastError = '';
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      throw new Error(`${child.name} exited (${exited}) before ${url} answered:\n${child.tail()}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.ok) return;
      lastError = `HTTP ${response.status}`;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms (${lastError}):\n${child.tail()}`);
}
