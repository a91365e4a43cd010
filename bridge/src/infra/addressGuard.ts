import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { withDeadline } from '../infra/deadline.ts';

/**
 * The SSRF guard: webhook URLs must reach public unicast addresses unless
 * WEBHOOK_ALLOW_PRIVATE_NETWORKS=true. It runs twice: when a URL is registered (early feedback)
 * and inside the HTTP client's connect step, on the very addresses the socket connects to, so a
 * name that resolves differently later (DNS rebinding) is still refused.
 */

/** Resolves a host name to every address (injectable so tests can simulate rebinding). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
  });

export class AddressNotAllowedError extends Error {
  readonly code = 'address_not_allowed';
  constructor(host: string, address: string) {
    super(host === address ? `${address} is not a public address` : `${host} resolves to ${address}, which is not a public address`);
    this.name = 'AddressNotAllowedError';
  }
}

/**
 * Only globally routable unicast is allowed: ipaddr.js names every special range (loopback,
 * private, link-local incl. 169.254.169.254, CGNAT, unspecified, multicast, reserved, ULA, and the
 * IPv6 forms that embed an IPv4 address such as ::ffff:0:0/96 and 64:ff9b::/96).
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}

/** The host of a URL as the socket layer sees it (IPv6 literals without brackets). */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

function isLocalhostName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

export type UrlCheck = { ok: true } | { ok: false; reason: 'not_allowed' | 'unresolvable'; message: string };

/** Registration-time check of a webhook URL (scheme and syntax are validated before). */
export async function checkWebhookUrl(url: URL, options: { allowPrivate: boolean; resolver: Resolver; timeoutMs: number }): Promise<UrlCheck> {
  if (options.allowPrivate) return { ok: true };
  const host = hostOf(url);
  if (isIP(host)) {
    return isPublicAddress(host) ? { ok: true } : { ok: false, reason: 'not_allowed', message: new AddressNotAllowedError(host, host).message };
  }
  if (isLocalhostName(host)) return { ok: false, reason: 'not_allowed', message: `${host} is a loopback name` };
  let addresses: LookupAddress[];
  try {
    addresses = await withDeadline(options.resolver(host), options.timeoutMs, `DNS lookup of ${host}`);
  } catch {
    return { ok: false, reason: 'unresolvable', message: `${host} could not be resolved` };
  }
  if (addresses.length === 0) return { ok: false, reason: 'unresolvable', message: `${host} has no addresses` };
  const refused = addresses.find((a) => !isPublicAddress(a.address));
  if (refused) return { ok: false, reason: 'not_allowed', message: new AddressNotAllowedError(host, refused.address).message };
  return { ok: true };
}

type LookupCallback = (error: Error | null, address: string | LookupAddress[], family?: number) => void;
export type ConnectLookup = (hostname: string, options: { all?: boolean }, callback: LookupCallback) => void;

/**
 * A `lookup` for net/tls.connect that refuses the connection when any resolved address is not
 * public. Node skips `lookup` for IP literals, so callers check those with isPublicAddress first.
 */
export function guardedLookup(resolver: Resolver, allowPrivate: boolean): ConnectLookup {
  return function lookup(hostname, options, callback) {
    resolver(hostname).then(
      (addresses) => {
        if (addresses.length === 0) return callback(Object.assign(new Error(`${hostname} has no addresses`), { code: 'ENOTFOUND' }), []);
        const refused = allowPrivate ? undefined : addresses.find((a) => !isPublicAddress(a.address));
        if (refused) return callback(new AddressNotAllowedError(hostname, refused.address), []);
        if (options.all) return callback(null, addresses);
        return callback(null, addresses[0].address, addresses[0].family);
      },
      (error: Error) => callback(error, []),
    );
  };
}
