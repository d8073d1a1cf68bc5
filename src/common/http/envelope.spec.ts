import { successEnvelopeBytes, SerializedJson } from './envelope';
import { successEnvelope } from './enveloping-fastify-adapter';

describe('successEnvelopeBytes', () => {
  it('gives the very bytes JSON.stringify gives for the envelope of the value', () => {
    const values = [
      { id: 'm1', name: 'Will it rain in “Zürich”?', probability: 0.5, tags: ['a'], creator: null },
      [1, 'two', { three: 3 }],
      null,
      'text with "quotes" and \\ backslashes',
    ];
    for (const value of values) {
      const bytes = successEnvelopeBytes(SerializedJson.of(value), 'req-1');
      // Both read the clock: compare with the timestamp the bytes carry.
      const sent = JSON.parse(bytes.toString()) as { meta: { timestamp: string } };
      const expected = successEnvelope(value, 'req-1');
      expected.meta.timestamp = sent.meta.timestamp;
      expect(bytes.toString()).toBe(JSON.stringify(expected));
    }
  });
});
