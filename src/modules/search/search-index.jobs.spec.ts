import {
  InvalidJobPayloadError,
  parseEmbedMarketJob,
  parseReindexAllJob,
} from './search-index.jobs';

describe('search-index job payloads', () => {
  const marketId = '3f0b8f0e-4c1e-4d3b-9a59-2f7b0c1d9e21';

  it('accepts version 1 payloads', () => {
    expect(parseEmbedMarketJob({ version: 1, marketId })).toEqual({ version: 1, marketId });
    expect(parseReindexAllJob({ version: 1, requestedBy: marketId })).toEqual({
      version: 1,
      requestedBy: marketId,
    });
    expect(parseReindexAllJob({ version: 1 })).toEqual({ version: 1, requestedBy: null });
  });

  it.each([
    ['another version', { version: 2, marketId }],
    ['no version', { marketId }],
    ['a malformed id', { version: 1, marketId: 'nope' }],
    ['no object', 'market'],
  ])('refuses %s', (_label, payload) => {
    expect(() => parseEmbedMarketJob(payload)).toThrow(InvalidJobPayloadError);
  });
});
