import Router from '@koa/router';
import { pageHeaders } from '../../pageHeaders.ts';
import type { ApiKeyService } from '../../../services/apiKeyService.ts';
import { unauthorized } from '../../errors.ts';
import { bodyOf } from '../../validate.ts';
import type { ConsoleCookies } from './consoleCookie.ts';
import { consolePageHtml } from './consolePage.ts';
import { consoleSignInBody } from './schemas.ts';

export interface ConsoleRouterDeps {
  keys: ApiKeyService;
  cookies: ConsoleCookies;
  /** Sandbox mode: the page offers the simulated phone and contacts. */
  sandbox?: boolean;
}

/**
 * The web console (docs/console.md): one self-contained page, sign-in and sign-out. Everything
 * else the page does goes to the /v1 API, authenticated by the console cookie plus `X-Console: 1`.
 */
export function consoleRouter({ keys, cookies, sandbox }: ConsoleRouterDeps): Router {
  const router = new Router({ prefix: '/console' });


  router.get('/', (ctx) => {
    const nonce = pageHeaders(ctx);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = consolePageHtml({ nonce, sandbox: sandbox === true });
  });

  router.post('/sign-in', async (ctx) => {
    const { key } = bodyOf(ctx, consoleSignInBody);
    // Organization keys only: the admin key never goes into a browser cookie.
    const caller = await keys.authenticate(key);
    if (!caller) throw unauthorized('The API key is unknown or has been revoked (the console takes an organization key, wab_…).');
    const expiresAt = cookies.set(ctx, key);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { organizationId: caller.organizationId, expiresAt: expiresAt.toISOString() };
  });

  router.post('/sign-out', (ctx) => {
    cookies.clear(ctx);
    ctx.status = 204;
  });

  return router;
}
