import ipaddr from 'ipaddr.js';
import { isIP } from 'node:net';

/** The parts of a Fastify request that say who the client is. */
export interface ClientAddressSource {
  /** The client address Fastify resolved under `trustProxy`. */
  ip: string;
  /** The socket address first, then each X-Forwarded-For hop the trusted proxies vouch for. */
  ips?: string[];
}

/**
 * The rate-limit identity of a client: its address normalised (an IPv4-mapped IPv6 address
 * counts as the IPv4 address), and an IPv6 client as its /64, since one host usually holds a
 * whole /64 and could otherwise take a fresh address per request. A forwarded value that is
 * not an address (the client wrote it) is skipped: the nearest trusted hop stands instead.
 */
export function clientAddress(request: ClientAddressSource): string {
  const candidates = request.ips && request.ips.length > 0 ? request.ips : [request.ip];
  for (let i = candidates.length - 1; i >= 0; i--) {
    const key = normalizeAddress(candidates[i]);
    if (key) return key;
  }
  return 'unknown';
}

/** `1.2.3.4`, `::ffff:1.2.3.4` → `1.2.3.4`; `2001:db8:1:2::5` → `2001:db8:1:2::/64`; else null. */
export function normalizeAddress(value: string | undefined): string | null {
  const text = value?.trim() ?? '';
  // A zone index (fe80::1%eth0) names the interface, not the host.
  const withoutZone = text.replace(/%.*$/, '');
  // isIP, not ipaddr.isValid: the latter accepts legacy forms such as `1.2.3`.
  const family = isIP(withoutZone);
  if (family === 0) return null;
  // isIP's IPv4 form is already canonical dotted decimal (no leading zeros): as it is.
  if (family === 4) return withoutZone;
  const address = ipaddr.process(withoutZone);
  if (address.kind() === 'ipv4') return address.toString();
  const parts = (address as ipaddr.IPv6).parts.slice(0, 4);
  const prefix = ipaddr.IPv6.parse(`${parts.map((part) => part.toString(16)).join(':')}::`);
  return `${prefix.toString()}/64`;
}
