import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { addressRefusal, checkHost, WebhookAddressError } from './webhook-address';
import { sendWebhook } from './webhook-sender';

/** Every range a webhook must not reach, with an address inside it. */
const REFUSED = [
  ['loopback', '127.0.0.1'],
  ['loopback, elsewhere in 127/8', '127.45.6.7'],
  ['this network', '0.0.0.0'],
  ['private 10/8', '10.1.2.3'],
  ['private 172.16/12', '172.16.0.1'],
  ['private 172.16/12 (upper end)', '172.31.255.254'],
  ['private 192.168/16', '192.168.1.1'],
  ['link-local', '169.254.1.1'],
  ['cloud metadata', '169.254.169.254'],
  ['CGNAT 100.64/10', '100.64.0.1'],
  ['CGNAT 100.64/10 (upper end)', '100.127.255.254'],
  ['multicast', '224.0.0.1'],
  ['broadcast', '255.255.255.255'],
  ['reserved 240/4', '240.0.0.1'],
  ['documentation', '192.0.2.10'],
  ['IPv6 loopback', '::1'],
  ['IPv6 unspecified', '::'],
  ['IPv6 unique-local fc00::/7', 'fc00::1'],
  ['IPv6 unique-local fd00::/8', 'fd12:3456:789a::1'],
  ['IPv6 link-local fe80::/10', 'fe80::1'],
  ['IPv6 multicast', 'ff02::1'],
  ['IPv4-mapped loopback', '::ffff:127.0.0.1'],
  ['IPv4-mapped private', '::ffff:10.0.0.1'],
  ['IPv4-mapped metadata', '::ffff:169.254.169.254'],
  ['IPv4-compatible loopback', '::127.0.0.1'],
  ['NAT64 of a private address', '64:ff9b::a00:1'],
  ['6to4', '2002:7f00:1::1'],
] as const;

const PUBLIC = [
  '93.184.215.14',
  '8.8.8.8',
  '100.63.255.255',
  '100.128.0.1',
  '172.32.0.1',
  '2606:4700::1111',
  '::ffff:8.8.8.8',
];

describe('addressRefusal', () => {
  it.each(REFUSED)('refuses %s (%s)', (_range, address) => {
    expect(addressRefusal(address)).toMatch(/not a public address|IPv4-compatible/);
  });

  it.each(PUBLIC)('accepts the public address %s', (address) => {
    expect(addressRefusal(address)).toBeNull();
  });

  it('refuses what is not an address', () => {
    expect(addressRefusal('example.com')).toMatch(/not an IP address/);
  });
});

describe('checkHost', () => {
  it('refuses a name that resolves to loopback, and an IP literal in a refused range', async () => {
    await expect(checkHost('localhost', false)).rejects.toThrow(WebhookAddressError);
    await expect(checkHost('169.254.169.254', false)).rejects.toThrow(/link-local|linkLocal/);
    await expect(checkHost('::1', false)).rejects.toThrow(WebhookAddressError);
  });

  it('refuses a name that does not resolve', async () => {
    await expect(checkHost('no-such-host.invalid', false)).rejects.toThrow(/does not resolve/);
  });

  it('lets everything through with allowPrivate', async () => {
    await expect(checkHost('localhost', true)).resolves.toBeUndefined();
  });
});

describe('sendWebhook refuses at connect time', () => {
  let server: ReturnType<typeof createServer>;
  let port: number;
  let hits = 0;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      hits++;
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const options = { timeoutMs: 2000, maxResponseBytes: 1024 };

  it.each([
    ['a name resolving to loopback', () => `http://localhost:${port}/`],
    ['an IPv4 literal', () => `http://127.0.0.1:${port}/`],
    ['an IPv4-mapped IPv6 literal', () => `http://[::ffff:127.0.0.1]:${port}/`],
  ])('%s: no connection is made', async (_case, url) => {
    const before = hits;
    const result = await sendWebhook(url(), '{}', {}, { ...options, allowPrivate: false });
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/address refused/);
    expect(hits).toBe(before);
  });

  it('connects with allowPrivate', async () => {
    const result = await sendWebhook(
      `http://localhost:${port}/`,
      '{}',
      {},
      {
        ...options,
        allowPrivate: true,
      },
    );
    expect(result).toMatchObject({ ok: true, statusCode: 200, responseBody: 'ok' });
  });
});
