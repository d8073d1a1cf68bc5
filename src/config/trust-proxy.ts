import { ValidateBy } from 'class-validator';
import { isIP } from 'node:net';

/**
 * What Fastify's `trustProxy` takes: `false` (X-Forwarded-For ignored), `true` (every hop
 * trusted, only for a proxy that overwrites the header), a hop count, or the proxies'
 * addresses and CIDRs (proxy-addr also knows `loopback`, `linklocal` and `uniquelocal`).
 */
export type TrustProxySetting = boolean | number | string[];

export const TRUST_PROXY_MESSAGE =
  'must be one of true/false, yes/no, on/off (any case), a hop count (0-100), or a ' +
  'comma-separated list of proxy IP addresses/CIDRs (loopback, linklocal, uniquelocal allowed)';

const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);
/** `1` and `0` are not here: digits are hop counts (`0` trusts none, like false). */
const TRUE = /^(true|yes|on)$/i;
const FALSE = /^(false|no|off)$/i;

function isAddressOrRange(value: string): boolean {
  if (NAMED_RANGES.has(value)) return true;
  const [address, bits, ...rest] = value.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128);
}

/**
 * Parses `TRUST_PROXY`. Kept on its own (not a boolean) because a number means a hop count:
 * `1` trusts the one proxy in front, not every hop the client could have written. Returns an
 * error message naming the variable for anything else.
 */
export function parseTrustProxy(
  raw: string | undefined,
): { value: TrustProxySetting } | { error: string } {
  const text = raw?.trim() ?? '';
  if (text === '' || FALSE.test(text)) return { value: false };
  if (TRUE.test(text)) return { value: true };
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops > 100) return { error: `TRUST_PROXY: ${TRUST_PROXY_MESSAGE}` };
    return { value: hops === 0 ? false : hops };
  }
  const entries = text.split(',').map((entry) => entry.trim());
  const bad = entries.filter((entry) => !isAddressOrRange(entry));
  if (bad.length > 0) {
    return { error: `TRUST_PROXY: ${TRUST_PROXY_MESSAGE}` };
  }
  return { value: entries };
}

/**
 * The setting as Fastify takes it. A hop count becomes proxy-addr's classic rule, trust the
 * first `hops` addresses counted from the socket: Fastify 5.12 turns a bare number into "trust
 * nothing" (a client that reaches the app directly could write the hops itself), so the rule
 * is ours, and the README says a hop count is only for an app reachable solely through its
 * proxies; a list of the proxies' addresses is the safer setting.
 */
export function fastifyTrustProxy(
  setting: TrustProxySetting,
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof setting !== 'number') return setting;
  return (_address, hop) => hop < setting;
}

/** The env schema's rule for TRUST_PROXY, so its error joins the one-line list of problems. */
export function IsTrustProxy() {
  return ValidateBy({
    name: 'isTrustProxy',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' && !('error' in parseTrustProxy(value)),
      defaultMessage: () => TRUST_PROXY_MESSAGE,
    },
  });
}
