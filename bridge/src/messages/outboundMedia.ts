import { request, errors as undiciErrors } from 'undici';
import { DomainError, invalid, rejected, tooLarge } from '../errors.ts';
import { addressRefusal, guardedAgent, type Resolver } from '../infra/addressGuard.ts';

/** WhatsApp's own limit for video and audio; the bridge applies it to every media type. */
export const MAX_MEDIA_BYTES = 16 * 1024 * 1024;
const MAX_REDIRECTS = 5;

export interface MediaSource {
  url?: string;
  base64?: string;
}

export interface MediaFetchOptions {
  /** MEDIA_ALLOW_PRIVATE_NETWORKS: media may come from loopback and private addresses. */
  allowPrivateNetworks: boolean;
  timeoutMs?: number;
  maxBytes?: number;
  resolver?: Resolver;
  /** Tests only (see AddressPolicy). */
  isPublic?: (address: string) => boolean;
}

const FORBIDDEN = 'The media url points to, or redirects to, a private or local address (set MEDIA_ALLOW_PRIVATE_NETWORKS=true to allow).';

function unreachable(url: string, why: string) {
  return rejected('media_unreachable', `Could not fetch the media from ${url}: ${why}.`);
}

function overLimit(maxBytes: number) {
  return tooLarge('payload_too_large', `The media is larger than ${Math.floor(maxBytes / 1024 / 1024)} MiB.`);
}

/** Downloads media the caller pointed at: http(s) only, with a timeout and a size cap. */
export async function fetchMedia(rawUrl: string, options: MediaFetchOptions): Promise<Buffer> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const maxBytes = options.maxBytes ?? MAX_MEDIA_BYTES;
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw invalid('invalid_media_url', 'The media url is not a valid URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('invalid_media_url', 'The media url must be http or https.');
  // Every connection (the first, and each redirect's) passes the address guard.
  const agent = guardedAgent(
    { allowPrivate: options.allowPrivateNetworks, resolver: options.resolver, isPublic: options.isPublic },
    { connectTimeoutMs: timeoutMs, headersTimeout: timeoutMs, bodyTimeout: timeoutMs },
  );
  const abort = AbortSignal.timeout(timeoutMs);
  try {
    let target = url;
    for (let redirects = 0; ; redirects++) {
      const response = await request(target, { method: 'GET', dispatcher: agent, signal: abort, headers: { accept: '*/*' } });
      if (response.statusCode >= 300 && response.statusCode < 400 && response.headers.location && redirects < MAX_REDIRECTS) {
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
        throw overLimit(maxBytes);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body) {
        size += (chunk as Buffer).length;
        if (size > maxBytes) {
          response.body.destroy();
          throw overLimit(maxBytes);
        }
        chunks.push(chunk as Buffer);
      }
      if (size === 0) throw unreachable(rawUrl, 'the response was empty');
      return Buffer.concat(chunks, size);
    }
  } catch (error) {
    if (error instanceof DomainError) throw error;
    if (addressRefusal(error)) throw rejected('media_url_forbidden', FORBIDDEN);
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
    throw invalid('invalid_base64', 'The media base64 is not valid base64.');
  }
  if (Math.floor((payload.length * 3) / 4) > maxBytes + 3) throw overLimit(maxBytes);
  const buffer = Buffer.from(payload, payload.includes('-') || payload.includes('_') ? 'base64url' : 'base64');
  if (buffer.length > maxBytes) throw overLimit(maxBytes);
  return buffer;
}

export async function loadMedia(source: MediaSource, options: MediaFetchOptions): Promise<Buffer> {
  if (source.base64 !== undefined) return decodeBase64Media(source.base64, options.maxBytes);
  return fetchMedia(source.url ?? '', options);
}
