import type { SessionDoc, SessionReceive, SessionStatus } from '../models/session.ts';
import { listing, type Listing } from '../infra/listing.ts';
import { isoOrNull } from '../infra/isoTime.ts';

/** What the API shows of a session. */
export interface SessionView {
  name: string;
  status: SessionStatus;
  desiredState: 'running' | 'stopped';
  phoneNumber: string | null;
  pushName: string | null;
  lastConnectedAt: string | null;
  lastDisconnectedAt: string | null;
  lastDisconnectReason: string | null;
  reconnectAttempts: number;
  nextReconnectAt: string | null;
  receive: SessionReceive;
  createdAt: string | null;
}

export const DEFAULT_RECEIVE: SessionReceive = { statusBroadcasts: false, newsletters: false };

/** `defaults`: the deployment's (WA_HISTORY_SYNC for `history`), for what a session does not set. */
export function toView(doc: SessionDoc, defaults: SessionReceive = DEFAULT_RECEIVE): SessionView {
  return {
    name: doc.name,
    status: doc.status,
    desiredState: doc.desiredState,
    phoneNumber: doc.phoneNumber ?? null,
    pushName: doc.pushName ?? null,
    lastConnectedAt: isoOrNull(doc.lastConnectedAt),
    lastDisconnectedAt: isoOrNull(doc.lastDisconnectedAt),
    lastDisconnectReason: doc.lastDisconnectReason ?? null,
    reconnectAttempts: doc.reconnectAttempts ?? 0,
    nextReconnectAt: isoOrNull(doc.nextReconnectAt),
    receive: { ...defaults, ...doc.receive },
    createdAt: isoOrNull(doc.createdAt),
  };
}

/** GET /v1/sessions is not paged; an organization has far fewer sessions than this. */
const MAX_SESSIONS_LISTED = 10_000;

/** An organization's sessions by name (names are unique per organization; _id only completes the index). */
export function sessionListing(organizationId: string): Listing {
  return listing({ filter: { organizationId }, sort: { name: 1, _id: 1 }, index: { organizationId: 1, name: 1, _id: 1 }, limit: MAX_SESSIONS_LISTED });
}
