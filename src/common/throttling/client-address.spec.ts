import { clientAddress, normalizeAddress } from './client-address';

describe('client address', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:127.0.0.1', '127.0.0.1'],
    ['2001:db8:1:2::5', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff:eeee:dddd:cccc', '2001:db8:1:2::/64'],
    ['fe80::1%eth0', 'fe80::/64'],
    ['::1', '::/64'],
  ])('normalises %s to %s', (input, expected) => {
    expect(normalizeAddress(input)).toBe(expected);
  });

  it.each(['', 'garbage', '1.2.3', '203.0.113.7, 10.0.0.1', '<script>', '999.1.1.1'])(
    'refuses %j as an address',
    (input) => {
      expect(normalizeAddress(input)).toBeNull();
    },
  );

  it('gives every address of one IPv6 /64 the same key, and another /64 another', () => {
    const a = clientAddress({ ip: '2001:db8:aa:1::1' });
    expect(clientAddress({ ip: '2001:db8:aa:1:ffff::9' })).toBe(a);
    expect(clientAddress({ ip: '2001:db8:aa:2::1' })).not.toBe(a);
  });

  it('skips a forwarded value that is not an address for the nearest trusted hop', () => {
    expect(clientAddress({ ip: 'garbage', ips: ['127.0.0.1', '10.0.0.2', 'garbage'] })).toBe(
      '10.0.0.2',
    );
    expect(clientAddress({ ip: '198.51.100.4', ips: ['127.0.0.1', '198.51.100.4'] })).toBe(
      '198.51.100.4',
    );
  });
});
