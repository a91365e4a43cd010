import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';

/**
 * Headers of the bridge's own HTML pages (the pairing page, the console): not cached, not framed,
 * and a Content-Security-Policy under which only the page's own script and stylesheet run, by a
 * fresh nonce per response, which is returned for the page to carry. Nothing loads from elsewhere.
 */
export function pageHeaders(ctx: Context): string {
  const nonce = randomBytes(16).toString('base64');
  ctx.set({
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': `default-src 'none'; img-src data:; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'`,
  });
  return nonce;
}
