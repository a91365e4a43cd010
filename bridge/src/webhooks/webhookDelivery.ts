import { request } from 'undici';
import { addressRefusal, guardedAgent, type Resolver } from '../infra/addressGuard.ts';
import { parseRetryAfter } from './retrySchedule.ts';

/** How much of a response body is kept in the attempt log. */
export const RESPONSE_EXCERPT_BYTES = 1_024;

export type AttemptOutcome = 'success' | 'http_error' | 'gone' | 'timeout' | 'network_error' | 'refused';

export interface AttemptResult {
  outcome: AttemptOutcome;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  response: string | null;
  retryAfterMs: number | null;
}

export interface SignedRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
}

export interface WebhookSender {
  send(req: SignedRequest, signal?: AbortSignal): Promise<AttemptResult>;
  close(): Promise<void>;
}

/** Thrown when the caller's signal (shutdown) aborts an attempt: not the endpoint's fault, not recorded. */
export class AttemptAbortedError extends Error {
  constructor() {
    super('attempt aborted by shutdown');
    this.name = 'AttemptAbortedError';
  }
}

/**
 * POSTs signed webhook bodies through one undici Agent whose every connection passes the address
 * guard, so the address checked is the address connected to. Redirects are not followed (a 3xx is
 * a failed attempt). Every attempt ends within `timeoutMs`: connect, headers and the excerpt read included.
 */
export function webhookSender(options: { timeoutMs: number; allowPrivate: boolean; resolver: Resolver; isPublic?: (address: string) => boolean; userAgent: string }): WebhookSender {
  const agent = guardedAgent(
    { allowPrivate: options.allowPrivate, resolver: options.resolver, isPublic: options.isPublic },
    { connectTimeoutMs: options.timeoutMs, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs, keepAliveTimeout: 4_000 },
  );

  async function send(req: SignedRequest, shutdown?: AbortSignal): Promise<AttemptResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const url = new URL(req.url);
    const deadline = AbortSignal.timeout(options.timeoutMs);
    const signal = shutdown ? AbortSignal.any([deadline, shutdown]) : deadline;
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(url, {
        method: 'POST',
        dispatcher: agent,
        signal,
        headers: { 'content-type': 'application/json', 'user-agent': options.userAgent, ...req.headers },
        body: req.body,
      });
    } catch (error) {
      if (shutdown?.aborted) throw new AttemptAbortedError();
      return classify(error, elapsed(), options.timeoutMs);
    }
    const statusCode = res.statusCode;
    const response = await readExcerpt(res.body).catch(() => null);
    if (shutdown?.aborted) throw new AttemptAbortedError();
    const durationMs = elapsed();
    if (statusCode >= 200 && statusCode < 300) {
      return { outcome: 'success', statusCode, durationMs, error: null, response, retryAfterMs: null };
    }
    return {
      outcome: statusCode === 410 ? 'gone' : 'http_error',
      statusCode,
      durationMs,
      error: `HTTP ${statusCode}`,
      response,
      retryAfterMs: parseRetryAfter(res.headers['retry-after']),
    };
  }

  return {
    send,
    async close() {
      await agent.destroy().catch(() => undefined);
    },
  };
}

function failure(outcome: AttemptOutcome, durationMs: number, error: string): AttemptResult {
  return { outcome, statusCode: null, durationMs, error, response: null, retryAfterMs: null };
}

function classify(error: unknown, durationMs: number, timeoutMs: number): AttemptResult {
  const e = error as { name?: string; code?: string; message?: string; cause?: { name?: string; code?: string; message?: string } };
  const notAllowed = addressRefusal(error);
  if (notAllowed) return failure('refused', durationMs, notAllowed.message);
  const code = e.code ?? e.cause?.code;
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return failure('timeout', durationMs, `no response within ${timeoutMs} ms`);
  }
  const detail = code ? `${code}` : (e.message ?? 'request failed');
  const readable: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'DNS lookup failed',
    UND_ERR_SOCKET: 'connection closed by the endpoint',
  };
  return failure('network_error', durationMs, code && readable[code] ? `${readable[code]} (${code})` : detail);
}

/** The first bytes of a body as text; the rest is discarded. */
async function readExcerpt(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= RESPONSE_EXCERPT_BYTES) break;
  }
  if (size === 0) return null;
  const text = Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES).toString('utf8');
  return text.replace(/\uFFFD$/, ''); // a character cut in half at the end
}
