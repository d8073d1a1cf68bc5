import { loadConfig } from './app-config';
import { parseTrustProxy } from './trust-proxy';

describe('TRUST_PROXY', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['false', false],
    ['FALSE', false],
    ['no', false],
    ['off', false],
    ['0', false],
    ['true', true],
    ['True', true],
    ['yes', true],
    ['on', true],
    ['1', 1],
    ['2', 2],
    ['10.0.0.1', ['10.0.0.1']],
    ['10.0.0.0/8, 192.168.1.1', ['10.0.0.0/8', '192.168.1.1']],
    ['loopback,::1,fd00::/8', ['loopback', '::1', 'fd00::/8']],
  ] as const)('reads %j as %j', (raw, expected) => {
    expect(parseTrustProxy(raw)).toEqual({ value: expected });
  });

  it.each(['maybe', '10.0.0.300', '10.0.0.0/33', 'proxy.internal', '1.5', '-1', '101'])(
    'refuses %j with a message naming the variable',
    (raw) => {
      const parsed = parseTrustProxy(raw);
      expect(parsed).toHaveProperty('error');
      expect((parsed as { error: string }).error).toMatch(/^TRUST_PROXY/);
    },
  );

  it('reaches Fastify through the real config loader', () => {
    expect(loadConfig({ TRUST_PROXY: 'false' }).http.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).http.trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '1' }).http.trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8' }).http.trustProxy).toEqual(['10.0.0.0/8']);
    expect(() => loadConfig({ TRUST_PROXY: 'maybe' })).toThrow(/TRUST_PROXY/);
  });
});
