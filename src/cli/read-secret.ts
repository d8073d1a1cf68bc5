import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

/**
 * Reads a secret without it ever being on the command line: from a terminal, with echo off;
 * from a pipe (`printf '%s\n' "$PW" | npm run admin:create -- …`), its first line.
 */
export async function readSecret(prompt: string): Promise<string> {
  const input = process.stdin;
  const interactive = input.isTTY === true;
  // Echo off: the prompt goes to stderr, the typed characters nowhere.
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const lines = createInterface({ input, output, terminal: interactive });
  try {
    if (interactive) {
      process.stderr.write(prompt);
      muted = true;
    }
    const line = await new Promise<string>((resolve) => {
      lines.once('line', resolve);
      lines.once('close', () => resolve(''));
    });
    if (interactive) process.stderr.write('\n');
    return line;
  } finally {
    lines.close();
  }
}
