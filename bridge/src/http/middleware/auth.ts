import { timingSafeEqual, createHash } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { ApiKeyService } from '../../services/apiKeyService.ts';
import { ApiError, forbidden, unauthorized } from '../errors.ts';
import { CONSOLE_HEADER, type ConsoleCookies } from '../routes/console/consoleCookie.ts';

export type Auth = { kind: 'admin' } | { kind: 'organization'; organizationId: string; keyId: string };

function presentedKey(ctx: Context): string | undefined {
  const header = ctx.get('authorization');
  const bearer = /^Bearer\s+(\S+)$/i.exec(header);
  if (bearer) return bearer[1];
  return ctx.get('x-api-key') || undefined;
}

function sameSecret(a: string, b: string): boolean {
  // Hash first so the compare is constant-time whatever the lengths.
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export type Authenticate = ReturnType<typeof authenticate>;

/**
 * The organization key in the web console's cookie (docs/console.md), when no key was presented.
 * Cookie-authenticated requests must carry `X-Console: 1`: a header a cross-site page cannot add
 * without a CORS preflight (which the bridge never grants), so a forged request gets 403.
 */
function consoleKey(ctx: Context, cookies: ConsoleCookies | undefined): string | undefined {
  const sealed = cookies?.read(ctx);
  if (!cookies || !sealed) return undefined;
  const key = cookies.open(sealed);
  if (!key) throw unauthorized('The console sign-in has expired or is invalid: sign in again.');
  if (ctx.get(CONSOLE_HEADER) !== '1') {
    throw new ApiError(403, 'console_header_required', 'Requests authenticated by the console cookie must send the header X-Console: 1.');
  }
  return key;
}

/**
 * Resolves the caller from its key: the admin key, or an organization's key (presented, or sealed
 * in the console's cookie). 401 otherwise.
 */
export function authenticate(keys: ApiKeyService, adminKey: string | undefined, consoleSignIns?: ConsoleCookies) {
  return async function authenticateMiddleware(ctx: Context, next: Next): Promise<void> {
    const key = presentedKey(ctx) ?? consoleKey(ctx, consoleSignIns);
    if (!key) throw unauthorized();
    if (adminKey && sameSecret(key, adminKey)) {
      ctx.state.auth = { kind: 'admin' } satisfies Auth;
    } else {
      const caller = await keys.authenticate(key);
      if (!caller) throw unauthorized('The API key is unknown or has been revoked.');
      ctx.state.auth = { kind: 'organization', ...caller } satisfies Auth;
    }
    await next();
  };
}

export function requireAdmin() {
  return async function requireAdminMiddleware(ctx: Context, next: Next): Promise<void> {
    if ((ctx.state.auth as Auth | undefined)?.kind !== 'admin') throw forbidden('This route needs the admin key (BRIDGE_ADMIN_KEY).');
    await next();
  };
}

export function requireOrganization() {
  return async function requireOrganizationMiddleware(ctx: Context, next: Next): Promise<void> {
    if ((ctx.state.auth as Auth | undefined)?.kind !== 'organization') {
      throw forbidden('This route needs an organization API key (wab_…); the admin key only manages organizations.');
    }
    await next();
  };
}

/** The calling organization's id; only valid behind requireOrganization(). */
export function organizationOf(ctx: Context): string {
  const auth = ctx.state.auth as Auth;
  if (auth.kind !== 'organization') throw forbidden('organization key required');
  return auth.organizationId;
}
