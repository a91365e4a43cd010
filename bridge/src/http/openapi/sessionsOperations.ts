import {
  createSessionBody,
  deleteSessionQuery,
  pairingCodeBody,
  pairingLinkBody,
  qrQuery,
  sessionParams,
  updateSessionBody,
} from '../routes/sessions/schemas.ts';
import {
  pairingCodeResponse,
  pairingLinkResponse,
  qrResponse,
  sessionListResponse,
  sessionResponse,
  sessionStatusEvent,
} from '../routes/sessions/responses.ts';
import { component, componentRef } from './components.ts';
import type { Operation, ResponseSpec } from './operation.ts';

/** routes/sessions/router.ts: an organization's sessions. */

const Session = component('Session', sessionResponse, 'A WhatsApp session: its status, what it is paired with, and its settings.');
const Qr = component('QrCode', qrResponse, 'The QR code to scan now (it changes every ~20 s while the session waits to be paired).');
const StatusEvent = component('SessionStatusEvent', sessionStatusEvent, 'The `data` of an `event: status` on a session event stream.');

const name = { name: 'The session\'s name (`^[a-z0-9][a-z0-9_-]{0,63}$`).' };
const receive = {
  receive:
    'What the session keeps besides chat messages: `statusBroadcasts` (status posts) and `newsletters` (channel posts) as messages, both off by default; ' +
    '`history`, what the phone\'s history sync keeps: `off` (only LID mappings and contacts), `recent` (the recent chats WhatsApp sends a new device) ' +
    'or `full` (asks for the full history when it pairs); the default is WA_HISTORY_SYNC. Omitted fields keep their value.',
};

/** Server-Sent Events of a session: `event: status` and `event: qr`, the current state first (shared with the pairing page). */
export function sessionEventStream(description: string): ResponseSpec {
  return {
    description: `${description} \`event: status\` carries a SessionStatusEvent, \`event: qr\` a QrCode; the current state is sent first, then every change, with a comment line every 15 s.`,
    content: { 'text/event-stream': { schema: { type: 'string' }, 'x-events': { status: componentRef(StatusEvent), qr: componentRef(Qr) } } },
  };
}

function lifecycle(verb: 'start' | 'stop' | 'restart' | 'logout', summary: string, description: string): Operation {
  return {
    method: 'post',
    path: `/v1/sessions/:name/${verb}`,
    operationId: `${verb}Session`,
    tag: 'Sessions',
    summary,
    description,
    access: 'organization',
    params: sessionParams,
    parameterDescriptions: name,
    responses: { 200: { description: 'The session after the change.', json: Session } },
    errors: [404, 502, 504],
  };
}

export const sessionsOperations: Operation[] = [
  {
    method: 'post',
    path: '/v1/sessions',
    operationId: 'createSession',
    tag: 'Sessions',
    summary: 'Create a session',
    description: 'Creates the session and, unless `start` is false, starts it: its QR code follows (GET …/qr, …/events).',
    access: 'organization',
    body: createSessionBody,
    parameterDescriptions: { ...receive, start: 'Start right away and show a QR code (default true).' },
    responses: { 201: { description: 'Created.', json: Session } },
    errors: [409, 502, 504],
  },
  {
    method: 'get',
    path: '/v1/sessions',
    operationId: 'listSessions',
    tag: 'Sessions',
    summary: 'List sessions',
    description: "The organization's sessions by name (not paged).",
    access: 'organization',
    responses: { 200: { description: 'Every session.', json: component('SessionList', sessionListResponse) } },
    errors: [],
  },
  {
    method: 'get',
    path: '/v1/sessions/:name',
    operationId: 'getSession',
    tag: 'Sessions',
    summary: 'Get a session',
    access: 'organization',
    params: sessionParams,
    parameterDescriptions: name,
    responses: { 200: { description: 'The session.', json: Session } },
    errors: [404],
  },
  {
    method: 'patch',
    path: '/v1/sessions/:name',
    operationId: 'updateSession',
    tag: 'Sessions',
    summary: "Change a session's settings",
    description: 'What the session keeps besides chat messages; takes effect at once.',
    access: 'organization',
    params: sessionParams,
    parameterDescriptions: { ...name, ...receive },
    body: updateSessionBody,
    responses: { 200: { description: 'The session with its new settings.', json: Session } },
    errors: [404],
  },
  {
    method: 'delete',
    path: '/v1/sessions/:name',
    operationId: 'deleteSession',
    tag: 'Sessions',
    summary: 'Delete a session',
    description: 'Logs out, wipes the auth state and deletes the session; `purge=true` also deletes its messages and contacts.',
    access: 'organization',
    params: sessionParams,
    query: deleteSessionQuery,
    parameterDescriptions: { ...name, purge: '`true` or `1`: delete its messages and contacts too.' },
    responses: { 204: { description: 'Deleted.' } },
    errors: [404],
  },
  lifecycle('start', 'Start a session', 'Connects (showing a QR code if it is not paired) and keeps it running across restarts.'),
  lifecycle('stop', 'Stop a session', 'Disconnects without logging out; it stays paired.'),
  lifecycle('restart', 'Restart a session', 'Reconnects the session.'),
  lifecycle('logout', 'Log a session out', 'Unlinks the device from the phone and wipes the auth state; pairing again needs a new QR code.'),
  {
    method: 'get',
    path: '/v1/sessions/:name/qr',
    operationId: 'getSessionQr',
    tag: 'Sessions',
    summary: 'Get the current QR code',
    description: 'JSON by default; the PNG with `format=png` or `Accept: image/png`.',
    access: 'organization',
    params: sessionParams,
    query: qrQuery,
    parameterDescriptions: name,
    responses: {
      200: {
        description: 'The QR code to scan (`Cache-Control: no-store`).',
        json: Qr,
        content: { 'image/png': { schema: { type: 'string', contentMediaType: 'image/png' } } },
      },
    },
    errors: [404],
  },
  {
    method: 'get',
    path: '/v1/sessions/:name/events',
    operationId: 'streamSessionEvents',
    tag: 'Sessions',
    summary: 'Follow status and QR codes (Server-Sent Events)',
    access: 'organization',
    params: sessionParams,
    parameterDescriptions: name,
    responses: { 200: sessionEventStream('A stream that stays open.') },
    errors: [404],
  },
  {
    method: 'post',
    path: '/v1/sessions/:name/pairing-code',
    operationId: 'requestPairingCode',
    tag: 'Sessions',
    summary: 'Pair by phone number',
    description: 'A code to enter on the phone (Linked devices → Link with phone number) instead of scanning. The session must be running and not paired.',
    access: 'organization',
    params: sessionParams,
    parameterDescriptions: name,
    body: pairingCodeBody,
    responses: { 200: { description: 'The code to enter on the phone.', json: component('PairingCode', pairingCodeResponse) } },
    errors: [404, 409, 502, 504],
  },
  {
    method: 'post',
    path: '/v1/sessions/:name/pairing-link',
    operationId: 'createPairingLink',
    tag: 'Sessions',
    summary: 'Create a pairing link',
    description: 'A signed, expiring link to the pairing page (/pair/{token}) for an operator without an API key.',
    access: 'organization',
    params: sessionParams,
    parameterDescriptions: name,
    body: pairingLinkBody,
    responses: { 200: { description: 'The link and when it stops working.', json: component('PairingLink', pairingLinkResponse) } },
    errors: [404],
  },
];
