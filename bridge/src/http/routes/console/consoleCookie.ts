import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { Context } from 'koa';

/** The web console's session cookie (docs/console.md). */
export const CONSOLE_COOKIE = 'wab_console';
/** The header every cookie-authenticated request must carry: the CSRF defence (docs/console.md). */
export const CONSOLE_HEADER = 'x-console';
/** How long a console sign-in lasts. */
export const CONSOLE_TTL_MS = 12 * 60 * 60 * 1000;

export interface ConsoleCookies {
  /** The sealed cookie value for an organization key. */
  seal(apiKey: string, now?: number): { value: string; expiresAt: Date };
  /** The key a cookie value holds; null when it was not sealed here, was altered or has expired. */
  open(value: string, now?: number): string | null;
  /** Sets the cookie: httpOnly, SameSite=Strict, path /, Secure over https. */
  set(ctx: Context, apiKey: string): Date;
  clear(ctx: Context): void;
  read(ctx: Context): string | undefined;
}

/**
 * The cookie holds the organization key sealed with AES-256-GCM under a key derived from
 * BRIDGE_ENCRYPTION_KEY, with its expiry: any instance can open it, nothing is stored, and every
 * request still authenticates the key itself (a revoked key signs the console out at once).
 */
export function consoleCookies(encryptionKey: Buffer, publicUrl: string): ConsoleCookies {
  const key = Buffer.from(hkdfSync('sha256', encryptionKey, Buffer.alloc(0), 'whatsapp-bridge console-cookie v1', 32));
  const alwaysSecure = publicUrl.startsWith('https:');
  const aad = Buffer.from(CONSOLE_COOKIE);

  function seal(apiKey: string, now = Date.now()) {
    const expiresAt = now + CONSOLE_TTL_MS;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad);
    const body = Buffer.concat([cipher.update(JSON.stringify({ k: apiKey, e: expiresAt }), 'utf8'), cipher.final()]);
    return { value: [iv, body, cipher.getAuthTag()].map((b) => b.toString('base64url')).join('.'), expiresAt: new Date(expiresAt) };
  }

  function open(value: string, now = Date.now()): string | null {
    const parts = value.split('.');
    if (parts.length !== 3) return null;
    try {
      const [iv, body, tag] = parts.map((p) => Buffer.from(p, 'base64url'));
      if (iv.length !== 12 || tag.length !== 16) return null;
      const decipher = createDecipheriv('aes-256-gcm', key, iv).setAAD(aad).setAuthTag(tag);
      const { k, e } = JSON.parse(Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8')) as { k?: unknown; e?: unknown };
      if (typeof k !== 'string' || typeof e !== 'number' || e <= now) return null;
      return k;
    } catch {
      return null;
    }
  }

  const options = (ctx: Context) => {
    // PUBLIC_URL is https: the browser sees https even when the proxy in front does not say so.
    if (alwaysSecure) ctx.cookies.secure = true;
    return { httpOnly: true, sameSite: 'strict' as const, secure: alwaysSecure || ctx.secure, path: '/', overwrite: true };
  };

  return {
    seal,
    open,
    set(ctx, apiKey) {
      const { value, expiresAt } = seal(apiKey);
      ctx.cookies.set(CONSOLE_COOKIE, value, { ...options(ctx), expires: expiresAt });
      return expiresAt;
    },
    clear(ctx) {
      ctx.cookies.set(CONSOLE_COOKIE, '', { ...options(ctx), expires: new Date(0) });
    },
    read: (ctx) => ctx.cookies.get(CONSOLE_COOKIE) || undefined,
  };
}
