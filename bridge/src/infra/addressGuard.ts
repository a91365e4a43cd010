import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, buildConnector } from 'undici';
import { withDeadline } from './deadline.ts';

/**
 * The address guard of every outbound fetch (webhook deliveries, media downloads): a request may
 * reach only public unicast addresses unless its feature allows private networks
 * (WEBHOOK_ALLOW_PRIVATE_NETWORKS, MEDIA_ALLOW_PRIVATE_NETWORKS). The check runs where each
 * connection is made (guardedAgent): on the address the socket connects to, for every hop of a
 * redirect, for IP literals (a decimal 2130706433 is 127.0.0.1 by then) and for names alike, so a
 * name that resolves differently later (DNS rebinding) is refused as well. checkUrl() gives early
 * feedback when a webhook is registered.
 */

/** Resolves a host name to every address (injectable so tests can simulate rebinding). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
  });

export interface AddressPolicy {
  allowPrivate: boolean;
  resolver?: Resolver;
  /** Which addresses count as public (tests only: to stand a loopback server in for a public one). */
  isPublic?: (address: string) => boolean;
}

export class AddressNotAllowedError extends Error {
  readonly code = 'address_not_allowed';
  constructor(host: string, address: string) {
    super(host === address ? `${address} is not a public address` : `${host} resolves to ${address}, which is not a public address`);
    this.name = 'AddressNotAllowedError';
  }
}

/**
 * Only globally routable unicast is allowed: ipaddr.js names every special range (loopback,
 * private, link-local incl. 169.254.169.254, CGNAT, unspecified, multicast, reserved, ULA), and
 * process() turns IPv4-mapped IPv6 (::ffff:127.0.0.1) into the IPv4 address it carries; 64:ff9b::/96
 * and the other embedding forms have ranges of their own, which are not unicast.
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

/** The refusal behind a failed request, if the guard refused it. */
export function addressRefusal(error: unknown): AddressNotAllowedError | undefined {
  for (let e = error as { cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as { cause?: unknown } | undefined, depth++) {
    if (e instanceof AddressNotAllowedError) return e;
  }
  return undefined;
}

export type UrlCheck = { ok: true } | { ok: false; reason: 'not_allowed' | 'unresolvable'; message: string };

/** Early check of a URL (scheme and syntax are validated before): its host, or every address its name has. */
export async function checkUrl(url: URL, policy: AddressPolicy & { timeoutMs: number }): Promise<UrlCheck> {
  if (policy.allowPrivate) return { ok: true };
  const isPublic = policy.isPublic ?? isPublicAddress;
  const host = hostOf(url);
  if (isIP(host)) return isPublic(host) ? { ok: true } : { ok: false, reason: 'not_allowed', message: new AddressNotAllowedError(host, host).message };
  if (isLocalhostName(host)) return { ok: false, reason: 'not_allowed', message: `${host} is a loopback name` };
  let addresses: LookupAddress[];
  try {
    addresses = await withDeadline((policy.resolver ?? systemResolver)(host), policy.timeoutMs, `DNS lookup of ${host}`);
  } catch {
    return { ok: false, reason: 'unresolvable', message: `${host} could not be resolved` };
  }
  if (addresses.length === 0) return { ok: false, reason: 'unresolvable', message: `${host} has no addresses` };
  const refused = addresses.find((a) => !isPublic(a.address));
  if (refused) return { ok: false, reason: 'not_allowed', message: new AddressNotAllowedError(host, refused.address).message };
  return { ok: true };
}

type LookupCallback = (error: Error | null, address: string | LookupAddress[], family?: number) => void;

/**
 * An undici Agent whose every connection passes the guard: an IP literal is checked before
 * connecting, a name through a lookup that refuses it when any of its addresses is not public.
 */
export function guardedAgent(policy: AddressPolicy, options: { connectTimeoutMs: number } & Omit<Agent.Options, 'connect'>): Agent {
  const { connectTimeoutMs, ...agentOptions } = options;
  const isPublic = policy.isPublic ?? isPublicAddress;
  const resolver = policy.resolver ?? systemResolver;
  const lookup = (hostname: string, lookupOptions: { all?: boolean }, callback: LookupCallback) => {
    resolver(hostname).then(
      (addresses) => {
        if (addresses.length === 0) return callback(Object.assign(new Error(`${hostname} has no addresses`), { code: 'ENOTFOUND' }), []);
        const refused = policy.allowPrivate ? undefined : addresses.find((a) => !isPublic(a.address));
        if (refused) return callback(new AddressNotAllowedError(hostname, refused.address), []);
        if (lookupOptions.all) return callback(null, addresses);
        return callback(null, addresses[0].address, addresses[0].family);
      },
      (error: Error) => callback(error, []),
    );
  };
  const connector = buildConnector({ timeout: connectTimeoutMs, lookup } as buildConnector.BuildOptions);
  const connect: buildConnector.connector = (opts, callback) => {
    // Node's connect skips `lookup` for IP literals: those are checked here.
    const host = opts.hostname.replace(/^\[(.*)\]$/, '$1');
    if (!policy.allowPrivate && isIP(host) && !isPublic(host)) {
      queueMicrotask(() => callback(new AddressNotAllowedError(host, host), null));
      return;
    }
    connector(opts, callback);
  };
  return new Agent({ ...agentOptions, connect });
}
