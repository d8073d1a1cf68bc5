import { STREAM_TIMING, StreamCursor, StreamSink } from './stream-cursor';

interface TestEvent {
  seq: number;
}

function sink(bound = Infinity) {
  const written: number[] = [];
  const aborted: Array<{ reason: string; resumeAfter: number }> = [];
  const target: StreamSink<TestEvent> = {
    write: (event) => {
      written.push(event.seq);
      return written.length <= bound;
    },
    drained: () => Promise.resolve(true),
    abort: (reason, resumeAfter) => aborted.push({ reason, resumeAfter }),
  };
  return { written, aborted, target };
}

const events = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_v, i) => ({ seq: from + i }));

describe('StreamCursor', () => {
  const timing = { ...STREAM_TIMING };
  afterEach(() => Object.assign(STREAM_TIMING, timing));

  it('joins replay and live without a gap or duplicate when live events overlap the replay', async () => {
    STREAM_TIMING.replayPage = 2;
    const out = sink();
    const cursor = new StreamCursor<TestEvent>(3, out.target);
    const log = events(1, 8);
    let reads = 0;
    await cursor.replay(async (after, limit) => {
      // Live events 6..10 arrive while the replay is still reading (6..8 are also in the log).
      if (reads++ === 1) events(6, 10).forEach((event) => cursor.offer(event));
      return log.filter((event) => event.seq > after).slice(0, limit);
    });
    cursor.offer({ seq: 11 });
    expect(out.written).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
    expect(cursor.lastSeq).toBe(11);
  });

  it('skips live events the filter does not want', async () => {
    const out = sink();
    const cursor = new StreamCursor<TestEvent>(0, out.target, (event) => event.seq % 2 === 0);
    await cursor.replay(() => Promise.resolve([]));
    events(1, 6).forEach((event) => cursor.offer(event));
    expect(out.written).toEqual([2, 4, 6]);
  });

  it('disconnects a slow client once with where to resume, and writes nothing more', async () => {
    const out = sink(2);
    const cursor = new StreamCursor<TestEvent>(0, out.target);
    await cursor.replay(() => Promise.resolve([]));
    events(1, 5).forEach((event) => cursor.offer(event));
    expect(out.written).toEqual([1, 2, 3]);
    expect(out.aborted).toEqual([{ reason: 'slow_consumer', resumeAfter: 3 }]);
    expect(cursor.isStopped).toBe(true);
  });

  it('counts a client as slow when too many live events wait behind its replay', () => {
    STREAM_TIMING.maxPendingEvents = 3;
    const out = sink();
    const cursor = new StreamCursor<TestEvent>(0, out.target);
    events(1, 4).forEach((event) => cursor.offer(event));
    expect(out.aborted).toEqual([{ reason: 'slow_consumer', resumeAfter: 0 }]);
  });
});
