import { Writable } from 'node:stream';
import pino from 'pino';
import { LazyRequestLogger, lazyChildLoggerFactory } from './lazy-request-logger';

function capture(level: pino.Level) {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { root: pino({ level }, stream), lines };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('LazyRequestLogger', () => {
  it('makes no child for a line below the level, and writes nothing', async () => {
    const { root, lines } = capture('warn');
    const child = vi.spyOn(root, 'child');
    const logger = new LazyRequestLogger(root, { requestId: 'r1' }, {});
    logger.info('incoming request');
    logger.debug({ a: 1 }, 'detail');
    await flush();
    expect(child).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
    expect(logger.level).toBe('warn');
  });

  it('writes a line at an enabled level through a child bound to the request id, made once', async () => {
    const { root, lines } = capture('warn');
    const child = vi.spyOn(root, 'child');
    const logger = new LazyRequestLogger(root, { requestId: 'r2' }, {});
    logger.warn({ code: 'X' }, 'first');
    logger.error('second');
    await flush();
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines.map((l) => [l.requestId, l.msg, l.level])).toEqual([
      ['r2', 'first', 40],
      ['r2', 'second', 50],
    ]);
    expect(lines[0].code).toBe('X');
  });

  it('gives children that keep the request id', async () => {
    const { root, lines } = capture('info');
    const logger = new LazyRequestLogger(root, { requestId: 'r3' }, {});
    logger.child({ context: 'Cache' }).info('hit');
    await flush();
    expect(lines[0]).toMatchObject({ requestId: 'r3', context: 'Cache', msg: 'hit' });
  });

  it('is used only when the route sets no log options of its own', () => {
    const { root } = capture('warn');
    expect(lazyChildLoggerFactory(root, { requestId: 'a' }, {})).toBeInstanceOf(LazyRequestLogger);
    expect(lazyChildLoggerFactory(root, { requestId: 'b' }, { level: 'debug' })).not.toBeInstanceOf(
      LazyRequestLogger,
    );
  });
});
