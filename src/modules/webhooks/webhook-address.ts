import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Which addresses a webhook may reach. An allow-list: only what ipaddr.js calls `unicast`
 * (globally routable) is public; loopback, private (RFC 1918), link-local (with the cloud
 * metadata address 169.254.169.254), CGNAT 100.64/10, unique-local fc00::/7, the reserved,
 * multicast and translation ranges are not. An IPv4-mapped IPv6 address (::ffff:127.0.0.1)
 * is judged as the IPv4 address it carries, and the IPv4-compatible ::/96 is refused.
 */
export function addressRefusal(address: string): string | null {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) parsed = v6.toIPv4Address();
    else if (v6.match(ipaddr.IPv6.parse('::'), 96)) return `${address} is IPv4-compatible`;
  }
  const range = parsed.range();
  return range === 'unicast' ? null : `${address} is not a public address (${range})`;
}

export class WebhookAddressError extends Error {
  override name = 'WebhookAddressError';
}

/** The host of a URL as DNS and ipaddr.js take it (IPv6 literals lose their brackets). */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

function refusalAmong(addresses: readonly string[]): string | null {
  for (const address of addresses) {
    const refusal = addressRefusal(address);
    if (refusal) return refusal;
  }
  return addresses.length === 0 ? 'the host has no address' : null;
}

/**
 * Resolves a host and refuses it when ANY of its addresses is not public: a name with one
 * public and one private address could otherwise be steered to the private one.
 */
export async function checkHost(host: string, allowPrivate: boolean): Promise<void> {
  if (allowPrivate) return;
  if (ipaddr.isValid(host)) {
    const refusal = addressRefusal(host);
    if (refusal) throw new WebhookAddressError(refusal);
    return;
  }
  const addresses = await new Promise<LookupAddress[]>((resolve, reject) =>
    dnsLookup(host, { all: true, verbatim: true }, (error, found) =>
      error ? reject(new WebhookAddressError(`${host} does not resolve`)) : resolve(found),
    ),
  );
  const refusal = refusalAmong(addresses.map((entry) => entry.address));
  if (refusal) throw new WebhookAddressError(`${host}: ${refusal}`);
}

/**
 * The `lookup` of the delivery agents: the address checked is the address connected to, so a
 * name that resolved to a public address at creation and to 127.0.0.1 now (DNS rebinding) is
 * refused at connect time. With `allowPrivate` it is plain dns.lookup.
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true, verbatim: true }, (error, found) => {
      if (error) return callback(error, '', 0);
      const addresses = found;
      const refusal = allowPrivate ? null : refusalAmong(addresses.map((entry) => entry.address));
      if (refusal) {
        return callback(new WebhookAddressError(`${hostname}: ${refusal}`), '', 0);
      }
      if (options.all) return callback(null, addresses);
      return callback(null, addresses[0].address, addresses[0].family);
    });
  };
}
