import { pairingScanResponse, pairingTokenParams } from '../routes/pairing/responses.ts';
import { pairingLinkCodeBody, pairingLinkCodeResponse, pairingRestartBody, pairingRestartResponse } from '../routes/pairing/schemas.ts';
import { component } from './components.ts';
import type { Operation } from './operation.ts';
import { sessionEventStream } from './sessionsOperations.ts';

/** routes/pairing/router.ts: the operator's pairing page, authorised by the signed token in its path. */

const token = { token: 'The token of a pairing link (POST /v1/sessions/{name}/pairing-link).' };
const html = { 'text/html; charset=utf-8': { schema: { type: 'string' } } };

export const pairingOperations: Operation[] = [
  {
    method: 'get',
    path: '/pair/:token',
    operationId: 'getPairingPage',
    tag: 'Pairing',
    summary: 'The pairing page',
    description:
      'A self-contained HTML page that shows the live QR code with a countdown to its expiry, offers a fresh code when the codes ran out ' +
      'and pairing by phone number instead, then the connected or failed state.',
    access: 'pairing-link',
    params: pairingTokenParams,
    parameterDescriptions: token,
    responses: {
      200: { description: 'The page.', content: html },
      404: { description: 'The link is invalid or has expired (an HTML page saying so).', content: html },
    },
    errors: [],
  },
  {
    method: 'get',
    path: '/pair/:token/events',
    operationId: 'streamPairingEvents',
    tag: 'Pairing',
    summary: "The pairing page's event stream",
    access: 'pairing-link',
    params: pairingTokenParams,
    parameterDescriptions: token,
    responses: { 200: sessionEventStream("The session's status and QR codes, as on GET /v1/sessions/{name}/events.") },
    errors: [404],
  },
  {
    method: 'post',
    path: '/pair/:token/restart',
    operationId: 'restartPairing',
    tag: 'Pairing',
    summary: 'Get a fresh QR code',
    description:
      "Starts the unpaired session's pairing again after its QR codes ran out (or after it stopped); the new codes follow on the event stream. " +
      'Does nothing (`restarted: false`) while the session is already on its way to a code. Refused (409) once the session is paired or the link was used.',
    access: 'pairing-link',
    params: pairingTokenParams,
    parameterDescriptions: token,
    body: pairingRestartBody,
    responses: { 200: { description: "The session's status now.", json: component('PairingRestart', pairingRestartResponse) } },
    errors: [404, 409, 502, 504],
  },
  {
    method: 'post',
    path: '/pair/:token/pairing-code',
    operationId: 'requestPairingCodeByLink',
    tag: 'Pairing',
    summary: 'Pair by phone number instead',
    description: 'The code to enter on the phone (Linked devices → Link with phone number), as POST /v1/sessions/{name}/pairing-code gives; the session must be running and unpaired.',
    access: 'pairing-link',
    params: pairingTokenParams,
    parameterDescriptions: token,
    body: pairingLinkCodeBody,
    responses: { 200: { description: 'The code to enter on the phone.', json: component('PairingLinkCode', pairingLinkCodeResponse) } },
    errors: [404, 409, 502, 504],
  },
  {
    method: 'post',
    path: '/pair/:token/sandbox/scan',
    operationId: 'sandboxScanPairingQr',
    tag: 'Pairing',
    summary: 'Scan with the simulated phone (sandbox)',
    description: "Sandbox mode only: the simulated phone scans the session's current QR code.",
    access: 'pairing-link',
    sandboxOnly: true,
    params: pairingTokenParams,
    parameterDescriptions: token,
    responses: { 201: { description: 'Scanned; the session connects.', json: component('PairingScan', pairingScanResponse) } },
    errors: [404, 409],
  },
];
