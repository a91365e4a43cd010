import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, request, errors as undiciErrors } from 'undici';
import { badRequest, payloadTooLarge, unprocessable } from '../http/errors.ts';

/** WhatsApp's own limit for video and audio; the bridge applies it to every media type. */
export const MAX_MEDIA_BYTES = 16 * 1024 * 1024;

export interface MediaSource {
  url?: string;
  base64?: string;
}

export interface MediaFetchOptions {
  allowPrivateNetworks: boolean;
  timeoutMs?: number;
  maxBytes?: number;
}

function isPublicAddress(address: string): boolean {
  try {
    let parsed = ipaddr.parse(address);
    if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
    return parsed.range() === 'unicast';
  } catch {
    return false;
  }
}

class PrivateAddressError extends Error {}

/**
 * An undici agent whose connections refuse private, loopback and link-local addresses: the check
 * runs on the address actually connected to, so a public name that resolves to 10.0.0.1 is
 * refused as well (no DNS-rebinding detour).
 */
function guardedAgent(allowPrivateNetworks: boolean, timeoutMs: number): Agent {
  return new Agent({
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connect: {
      timeout: timeoutMs,
      lookup: (hostname, options, callback) => {
        dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
          if (err) return callback(err, '', 0);
          const list = addresses as LookupAddress[];
          const allowed = allowPrivateNetworks ? list : list.filter((a) => isPublicAddress(a.address));
          if (allowed.length === 0) return callback(new PrivateAddressError(`${hostname} resolves to a private address`), '', 0);
          if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
          callback(null, allowed[0].address, allowed[0].family);
        });
      },
    },
  });
}

function unreachable(url: string, why: string) {
  return unprocessable('media_unreachable', `Could not fetch the media from ${url}: ${why}.`);
}

function tooLarge(maxBytes: number) {
  return payloadTooLarge(`The media is larger than ${Math.floor(maxBytes / 1024 / 1024)} MiB.`);
}

/** Downloads media the caller pointed at: http(s) only, with a timeout and a size cap. */
export async function fetchMedia(rawUrl: string, options: MediaFetchOptions): Promise<Buffer> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const maxBytes = options.maxBytes ?? MAX_MEDIA_BYTES;
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw badRequest('invalid_media_url', 'The media url is not a valid URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw badRequest('invalid_media_url', 'The media url must be http or https.');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!options.allowPrivateNetworks && isIP(host) && !isPublicAddress(host)) {
    throw unprocessable('media_url_forbidden', 'The media url points to a private or local address (set WEBHOOK_ALLOW_PRIVATE_NETWORKS=true to allow).');
  }
  const agent = guardedAgent(options.allowPrivateNetworks, timeoutMs);
  const abort = AbortSignal.timeout(timeoutMs);
  try {
    let target = url;
    for (let redirects = 0; ; redirects++) {
      const response = await request(target, { method: 'GET', dispatcher: agent, signal: abort, headers: { accept: '*/*' } });
      if (response.statusCode >= 300 && response.statusCode < 400 && response.headers.location && redirects < 5) {
        await response.body.dump();
        target = new URL(String(response.headers.location), target);
        if (target.protocol !== 'http:' && target.protocol !== 'https:') throw unreachable(rawUrl, 'redirected to a non-http address');
        continue;
      }
      if (response.statusCode < 200 || response.statusCode >= 300) {
        await response.body.dump();
        throw unreachable(rawUrl, `the server answered ${response.statusCode}`);
      }
      const declared = Number(response.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBytes) {
        await response.body.dump();
        throw tooLarge(maxBytes);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body) {
        size += (chunk as Buffer).length;
        if (size > maxBytes) {
          response.body.destroy();
          throw tooLarge(maxBytes);
        }
        chunks.push(chunk as Buffer);
      }
      if (size === 0) throw unreachable(rawUrl, 'the response was empty');
      return Buffer.concat(chunks, size);
    }
  } catch (error) {
    if ((error as { status?: number }).status) throw error;
    if (error instanceof PrivateAddressError || (error as { cause?: unknown }).cause instanceof PrivateAddressError) {
      throw unprocessable('media_url_forbidden', 'The media url resolves to a private or local address (set WEBHOOK_ALLOW_PRIVATE_NETWORKS=true to allow).');
    }
    const timedOut = abort.aborted || error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError || error instanceof undiciErrors.ConnectTimeoutError;
    throw unreachable(rawUrl, timedOut ? `no answer within ${timeoutMs} ms` : ((error as Error).message || 'connection failed'));
  } finally {
    void agent.close().catch(() => undefined);
  }
}

/** Decodes inline media: plain base64 (or base64url), optionally as a data: URL. */
export function decodeBase64Media(value: string, maxBytes = MAX_MEDIA_BYTES): Buffer {
  const payload = value.replace(/^data:[^,]*;base64,/, '').replace(/\s+/g, '');
  if (payload.length === 0 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(payload) || payload.length % 4 === 1) {
    throw badRequest('invalid_base64', 'The media base64 is not valid base64.');
  }
  if (Math.floor((payload.length * 3) / 4) > maxBytes + 3) throw tooLarge(maxBytes);
  const buffer = Buffer.from(payload, payload.includes('-') || payload.includes('_') ? 'base64url' : 'base64');
  if (buffer.length > maxBytes) throw tooLarge(maxBytes);
  return buffer;
}

export async function loadMedia(source: MediaSource, options: MediaFetchOptions): Promise<Buffer> {
  if (source.base64 !== undefined) return decodeBase64Media(source.base64, options.maxBytes);
  return fetchMedia(source.url ?? '', options);
}
