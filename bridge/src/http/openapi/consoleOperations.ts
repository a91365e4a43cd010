import { consoleSignInBody, consoleSignInResponse } from '../routes/console/schemas.ts';
import { component } from './components.ts';
import type { Operation } from './operation.ts';

/**
 * routes/console/router.ts: the web console (docs/console.md). Once signed in, the page calls the
 * /v1 routes with the httpOnly `wab_console` cookie instead of a key, plus the header `X-Console: 1`
 * (without it a cookie-authenticated request is refused with 403 `console_header_required`).
 */
const html = { 'text/html; charset=utf-8': { schema: { type: 'string' } } };

export const consoleOperations: Operation[] = [
  {
    method: 'get',
    path: '/console',
    operationId: 'getConsolePage',
    tag: 'Console',
    summary: 'The web console',
    description:
      'A self-contained HTML page (no external assets, a nonce CSP): sessions with their live status, QR code and pairing code; ' +
      'webhooks with their delivery log; a message browser with a reply box. It signs in with an organization key.',
    access: 'public',
    responses: { 200: { description: 'The page.', content: html } },
    errors: [],
  },
  {
    method: 'post',
    path: '/console/sign-in',
    operationId: 'consoleSignIn',
    tag: 'Console',
    summary: 'Sign in to the console',
    description:
      'Checks the organization key and sets the `wab_console` cookie (httpOnly, SameSite=Strict, Secure over https, 12 hours): ' +
      'the key sealed with AES-256-GCM, so page scripts never hold it. The admin key is refused (401).',
    access: 'public',
    body: consoleSignInBody,
    responses: {
      200: {
        description: 'Signed in; the cookie is set.',
        json: component('ConsoleSignIn', consoleSignInResponse),
        headers: { 'Set-Cookie': { description: 'The console cookie `wab_console` (httpOnly, SameSite=Strict).', schema: { type: 'string' } } },
      },
    },
    errors: [401],
  },
  {
    method: 'post',
    path: '/console/sign-out',
    operationId: 'consoleSignOut',
    tag: 'Console',
    summary: 'Sign out of the console',
    description: 'Clears the console cookie.',
    access: 'public',
    responses: { 204: { description: 'Signed out; the cookie is cleared.' } },
    errors: [],
  },
];
