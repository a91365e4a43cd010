import { z } from 'zod';
import { SESSION_STATUSES } from '../../../models/session.ts';
import type { SessionView } from '../../../sessions/sessionView.ts';
import type { PairingLinks } from '../../../sessions/pairingLinks.ts';
import type { SessionUpdate } from '../../../sessions/sessionUpdates.ts';
import type { Assert, Same } from '../../openapi/sameShape.ts';
import { isoTime } from '../../openapi/components.ts';
import type { qrPayload } from './sessionEventStream.ts';

/** What the session routes answer (the OpenAPI document's response schemas; requests are in schemas.ts). */


export const sessionResponse = z.object({
  name: z.string(),
  status: z.enum(SESSION_STATUSES),
  /** What the user asked for; a bridge restores sessions whose desired state is `running`. */
  desiredState: z.enum(['running', 'stopped']),
  phoneNumber: z.string().nullable(),
  pushName: z.string().nullable(),
  lastConnectedAt: isoTime.nullable(),
  lastDisconnectedAt: isoTime.nullable(),
  lastDisconnectReason: z.string().nullable(),
  reconnectAttempts: z.number().int().min(0),
  nextReconnectAt: isoTime.nullable(),
  receive: z.object({
    statusBroadcasts: z.boolean(),
    newsletters: z.boolean(),
    history: z.enum(['off', 'recent', 'full']).optional(),
  }),
  createdAt: isoTime.nullable(),
});
export type SessionResponseIsSessionView = Assert<Same<z.output<typeof sessionResponse>, SessionView>>;

export const sessionListResponse = z.object({ data: z.array(sessionResponse) });

export const qrResponse = z.object({
  /** The raw QR string (what the phone scans). */
  qr: z.string(),
  /** The same as a PNG data URL, ready for an <img>. */
  dataUrl: z.string().startsWith('data:image/png;base64,'),
  expiresAt: isoTime,
});
export type QrResponseIsQrPayload = Assert<Same<z.output<typeof qrResponse>, Awaited<ReturnType<typeof qrPayload>>>>;

export const pairingCodeResponse = z.object({ code: z.string() });

export const pairingLinkResponse = z.object({ url: z.url(), expiresAt: isoTime });
export type PairingLinkResponseIsIssuedLink = Assert<Same<z.output<typeof pairingLinkResponse>, Omit<ReturnType<PairingLinks['issue']>, 'token'>>>;

/** `event: status` of the session's event stream (and the pairing page's). */
export const sessionStatusEvent = z.object({
  name: z.string(),
  status: z.enum(SESSION_STATUSES),
  phoneNumber: z.string().nullable(),
  pushName: z.string().nullable(),
  reason: z.string().nullable(),
  at: isoTime,
});
export type SessionStatusEventIsStatusUpdate = Assert<
  Same<Omit<z.output<typeof sessionStatusEvent>, 'name'>, Omit<Extract<SessionUpdate, { type: 'status' }>, 'type' | 'sessionId'>>
>;
