import type { Logger } from '../infra/logger.ts';
import type { Models } from '../models/index.ts';
import type { SessionDoc, SessionReceive } from '../models/session.ts';
import type { EventRecorder } from '../events/eventTypes.ts';
import type { SocketSettings } from './sessionSocket.ts';
import type { SocketFactory } from '../whatsapp/socket.ts';
import type { SessionGateway, SocketEventSink } from './sessionGateway.ts';
import type { AuthStateStore } from './authStateStore.ts';
import type { SessionLeases } from './sessionLease.ts';
import type { QrStore, StoredQr } from './qrStore.ts';
import type { SessionUpdate, SessionUpdates } from './sessionUpdates.ts';
import type { OwnerRpc } from './ownerRpc.ts';
import type { SessionMetrics } from './sessionMetrics.ts';
import type { BackoffSchedule } from './reconnectPolicy.ts';
import type { SessionView } from './sessionView.ts';
import type { PairingGrant } from './pairingLinks.ts';
import type { PairingRestart } from './sessionService.ts';
import { sessionStatusStore } from './sessionStatus.ts';
import { SessionOwnership } from './sessionOwnership.ts';
import { LocalSessions } from './localSessions.ts';
import { ownerCommands } from './ownerCommands.ts';
import { sessionService } from './sessionService.ts';

export type { SessionView } from './sessionView.ts';
export { sessionListing } from './sessionView.ts';

export interface SessionManagerOptions {
  models: Models;
  log: Logger;
  events: EventRecorder;
  socketFactory: SocketFactory;
  authStore: AuthStateStore;
  leases: SessionLeases;
  qr: QrStore;
  updates: SessionUpdates;
  rpc: OwnerRpc;
  instanceId: string;
  leaseMs: number;
  maxSessions: number;
  waWebSocketUrl?: string;
  socketSettings?: SocketSettings;
  /** How many sessions start at once during restore and claiming. */
  startConcurrency?: number;
  /**
   * How long each QR code is shown (Baileys' qrTimeout; tests shorten it). Unset: Baileys' own
   * 60 s for the first code and 20 s for the next ones.
   */
  qrTimeoutMs?: number;
  /** Source of the backoff jitter, in [0, 1). */
  random?: () => number;
  backoff?: BackoffSchedule;
  metrics?: SessionMetrics;
  /** How long a command waits for another instance's answer (35 s). */
  rpcMs?: number;
  /** Whether this process runs session sockets (the sessions role); the use cases work either way. */
  owns?: boolean;
  /** What a session receives unless it says otherwise. */
  receiveDefaults?: SessionReceive;
}

export interface SessionManager extends SessionGateway {
  create(organizationId: string, name: string, options: { start: boolean; receive?: Partial<SessionReceive> }): Promise<SessionView>;
  /** Changes a session's settings (what it receives). */
  update(organizationId: string, name: string, changes: { receive: Partial<SessionReceive> }): Promise<SessionView>;
  list(organizationId: string): Promise<SessionView[]>;
  get(organizationId: string, name: string): Promise<SessionView>;
  /** The session document (404 when unknown). */
  find(organizationId: string, name: string): Promise<SessionDoc>;
  findById(sessionId: string): Promise<SessionDoc | null>;
  start(organizationId: string, name: string): Promise<SessionView>;
  stop(organizationId: string, name: string): Promise<SessionView>;
  restart(organizationId: string, name: string): Promise<SessionView>;
  logout(organizationId: string, name: string): Promise<SessionView>;
  remove(organizationId: string, name: string, purge: boolean): Promise<void>;
  requestPairingCode(organizationId: string, name: string, phoneNumber: string): Promise<string>;
  /** A pairing link's fresh code: starts the link's unpaired session again when its codes ran out. */
  restartPairing(grant: PairingGrant): Promise<PairingRestart>;
  /** A pairing link's pairing by phone number (only while the link's session is unpaired). */
  requestPairingCodeByLink(grant: PairingGrant, phoneNumber: string): Promise<string>;
  currentQr(sessionId: string): Promise<StoredQr | null>;
  subscribe(sessionId: string, listener: (update: SessionUpdate) => void): () => void;
  registerSink(sink: SocketEventSink): void;
  /** Restores this instance's share of running sessions, then keeps claiming and renewing. */
  startBackground(): Promise<void>;
  /** Runs one claim pass now (tests, and after an instance stopped a session). */
  claim(): Promise<void>;
  /** Ids of the sessions whose socket this instance holds. */
  localSessions(): string[];
  /** Ends every socket without logging out and releases the leases (desired state unchanged). */
  close(): Promise<void>;
}

/**
 * The sessions feature, put together: ownership (which sessions this instance runs), the live
 * sessions it runs, the owner commands that reach them from any instance, and the use cases the
 * API calls. The session documents (MongoDB) hold what the user wants and what was last seen;
 * the leases (Redis) say which instance runs each socket.
 */
export function createSessionManager(options: SessionManagerOptions): SessionManager {
  const { models, log, events, authStore, qr, updates, rpc, instanceId } = options;
  const random = options.random ?? Math.random;
  const sinks: SocketEventSink[] = [];
  const status = sessionStatusStore({ models, updates, events, log });
  const ownership = new SessionOwnership({
    models,
    leases: options.leases,
    log,
    instanceId,
    leaseMs: options.leaseMs,
    maxSessions: options.maxSessions,
    startConcurrency: options.startConcurrency,
    random,
    owns: options.owns,
  });
  const local = new LocalSessions(
    { socketFactory: options.socketFactory, sinks, authStore, qr, updates, status, log, waWebSocketUrl: options.waWebSocketUrl, socketSettings: options.socketSettings, backoff: options.backoff, random, metrics: options.metrics, qrTimeoutMs: options.qrTimeoutMs },
    ownership,
  );
  options.metrics?.ownedBy(() => local.size);
  const commands = ownerCommands({ local, ownership, rpc, instanceId, rpcMs: options.rpcMs });
  const service = sessionService({ models, log, authStore, qr, status, ownership, local, commands, receiveDefaults: options.receiveDefaults });

  return {
    ...service,
    currentQr: (sessionId) => qr.get(sessionId),
    subscribe: (sessionId, listener) => updates.subscribe(sessionId, listener),
    registerSink(sink) {
      sinks.push(sink);
    },
    startBackground: () => ownership.start({ acquired: (doc, lease) => local.adopt(doc, lease), lost: (sessionId) => local.lost(sessionId) }),
    claim: () => ownership.claim(),
    localSessions: () => local.ids(),
    async close() {
      await ownership.stop();
      await local.closeAll();
      await ownership.close();
      sinks.length = 0;
    },
  };
}
