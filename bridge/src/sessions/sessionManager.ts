import type { AnyMessageContent, ConnectionState, MiscMessageGenerationOptions, WAMessage } from '@whiskeysockets/baileys';
import type { Boom } from '@hapi/boom';
import type { Logger } from '../infra/logger.ts';
import type { Models } from '../models/index.ts';
import type { SessionDoc, SessionStatus } from '../models/session.ts';
import type { EventRecorder } from '../events/eventTypes.ts';
import type { SocketFactory, WhatsAppSocket } from '../whatsapp/socket.ts';
import type { SessionContext, SessionGateway, SocketEventSink } from './sessionGateway.ts';
import type { AuthStateStore, SessionAuthState } from './authStateStore.ts';
import type { Lease, SessionLeases } from './sessionLease.ts';
import type { QrStore, StoredQr } from './qrStore.ts';
import type { SessionUpdate, SessionUpdates } from './sessionUpdates.ts';
import type { OwnerRpc } from './ownerRpc.ts';
import type { SessionMetrics } from './sessionMetrics.ts';
import { DEFAULT_BACKOFF, decideReconnect, type BackoffSchedule } from './reconnectPolicy.ts';
import { newId } from '../infra/ids.ts';
import { SecretBoxError } from '../infra/secretBox.ts';
import { withDeadline } from '../infra/deadline.ts';
import { listing, runListing, type Listing } from '../infra/listing.ts';
import { isDuplicateKey } from '../infra/duplicateKey.ts';
import { conflict, notFound, serviceUnavailable } from '../http/errors.ts';

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
  /** How many sessions start at once during restore and claiming. */
  startConcurrency?: number;
  /** Source of the backoff jitter, in [0, 1). */
  random?: () => number;
  backoff?: BackoffSchedule;
  metrics?: SessionMetrics;
}

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
  createdAt: string | null;
}

export interface SessionManager extends SessionGateway {
  create(organizationId: string, name: string, options: { start: boolean }): Promise<SessionView>;
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

interface LiveSession {
  ctx: SessionContext;
  lease: Lease;
  /** When the lease was last known to be ours (acquired or renewed). */
  renewedAt: number;
  auth: SessionAuthState | undefined;
  socket: WhatsAppSocket | undefined;
  detach: Array<() => void>;
  reconnectTimer: NodeJS.Timeout | undefined;
  attempts: number;
  qrCount: number;
  status: SessionStatus;
  closed: boolean;
  /** Socket events are handled one after another, so status writes keep their order. */
  queue: Promise<void>;
}

const FIRST_QR_TTL_MS = 60_000;
const NEXT_QR_TTL_MS = 20_000;
const SOCKET_CALL_MS = 30_000;
const RPC_MS = 35_000;
const DB_MS = 10_000;
/** GET /v1/sessions is not paged; an organization has far fewer sessions than this. */
const MAX_SESSIONS_LISTED = 10_000;

function toView(doc: SessionDoc): SessionView {
  const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);
  return {
    name: doc.name,
    status: doc.status,
    desiredState: doc.desiredState,
    phoneNumber: doc.phoneNumber ?? null,
    pushName: doc.pushName ?? null,
    lastConnectedAt: iso(doc.lastConnectedAt),
    lastDisconnectedAt: iso(doc.lastDisconnectedAt),
    lastDisconnectReason: doc.lastDisconnectReason ?? null,
    reconnectAttempts: doc.reconnectAttempts ?? 0,
    nextReconnectAt: iso(doc.nextReconnectAt),
    createdAt: iso(doc.createdAt),
  };
}

/** An organization's sessions by name (names are unique per organization; _id only completes the index). */
export function sessionListing(organizationId: string): Listing {
  return listing({ filter: { organizationId }, sort: { name: 1, _id: 1 }, index: { organizationId: 1, name: 1, _id: 1 }, limit: MAX_SESSIONS_LISTED });
}

function statusCodeOf(update: Partial<ConnectionState>): number | undefined {
  return (update.lastDisconnect?.error as Boom | undefined)?.output?.statusCode;
}

/** "15550001111:7@s.whatsapp.net" → "15550001111". */
function phoneOf(jid: string | undefined): string | null {
  const match = jid ? /^(\d+)/.exec(jid) : null;
  return match ? match[1] : null;
}

/** Runs `fn` over `items`, at most `limit` at a time; one slow item only holds one slot. */
async function eachBounded<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Owns the sessions' sockets on this instance. The session documents (MongoDB) hold what the
 * user wants and what was last seen; the lease (Redis) says which instance runs the socket;
 * the only in-memory state is the map of live sessions, emptied by close().
 */
export function createSessionManager(options: SessionManagerOptions): SessionManager {
  const { models, log, events, authStore, leases, qr, updates, rpc, instanceId } = options;
  const { Session } = models;
  const random = options.random ?? Math.random;
  const concurrency = options.startConcurrency ?? 16;
  const renewEveryMs = Math.max(200, Math.floor(options.leaseMs / 3));
  const live = new Map<string, LiveSession>();
  const sinks: SocketEventSink[] = [];
  let loopTimer: NodeJS.Timeout | undefined;
  let closing = false;
  let claiming: Promise<void> | undefined;
  options.metrics?.ownedBy(() => live.size);

  async function find(organizationId: string, name: string): Promise<SessionDoc> {
    const doc = await withDeadline(Session.findOne({ organizationId, name }).lean<SessionDoc>(), DB_MS, 'session lookup');
    if (!doc) throw notFound('session_not_found', `No session named "${name}".`);
    return doc;
  }

  async function recordStatus(doc: Pick<SessionDoc, '_id' | 'organizationId' | 'name' | 'phoneNumber' | 'pushName'>, status: SessionStatus, previous: SessionStatus | null, reason: string | null): Promise<void> {
    const at = new Date();
    // Deadlines here too: a session's events are handled in order, so one hung call would hold
    // every later change of that session.
    await withDeadline(
      updates.publish({ type: 'status', sessionId: doc._id, status, phoneNumber: doc.phoneNumber, pushName: doc.pushName, reason, at: at.toISOString() }),
      DB_MS,
      'session update publish',
    ).catch((err: unknown) => log.warn({ err }, 'could not publish session update'));
    await withDeadline(
      events.record({
        organizationId: doc.organizationId,
        type: 'session.status',
        session: doc.name,
        data: { name: doc.name, status, previousStatus: previous, phoneNumber: doc.phoneNumber, pushName: doc.pushName, reason },
        timestamp: at,
      }),
      DB_MS,
      'session.status event',
    ).catch((err: unknown) => log.warn({ err, session: doc.name, status }, 'could not record session.status event'));
  }

  /** Status write by the owner: fenced on its token, so a stale owner's write matches nothing. */
  async function setStatus(session: LiveSession, status: SessionStatus, extra: Partial<SessionDoc> = {}, reason: string | null = null): Promise<boolean> {
    const previous = session.status;
    const doc = await withDeadline(
      Session.findOneAndUpdate({ _id: session.ctx.sessionId, fencingToken: session.lease.token }, { $set: { status, ...extra } }, { returnDocument: 'after' }).lean<SessionDoc>(),
      DB_MS,
      'session status write',
    );
    if (!doc) {
      log.warn({ session: session.ctx.sessionName }, 'lost ownership of session (newer owner or deleted); letting go');
      teardown(session, false);
      return false;
    }
    session.status = status;
    if (previous !== status) await recordStatus(doc, status, previous, reason ?? doc.lastDisconnectReason);
    return true;
  }

  function enqueue(session: LiveSession, work: () => Promise<void>): void {
    session.queue = session.queue.then(work).catch((err: unknown) => log.warn({ err, session: session.ctx.sessionName }, 'session event handling failed'));
  }

  /** Detaches everything from the socket and ends it. The session entry stays. */
  function releaseSocket(session: LiveSession): void {
    for (const detach of session.detach.splice(0)) {
      try {
        detach();
      } catch (err) {
        log.warn({ err }, 'detaching a sink failed');
      }
    }
    const socket = session.socket;
    session.socket = undefined;
    if (socket) {
      socket.ev.removeAllListeners();
      try {
        socket.end();
      } catch {
        // Already closed.
      }
    }
  }

  /** Forgets a live session entirely: timers, socket, listeners; optionally gives the lease back. */
  function teardown(session: LiveSession, release: boolean): void {
    session.closed = true;
    if (session.reconnectTimer) clearTimeout(session.reconnectTimer);
    session.reconnectTimer = undefined;
    releaseSocket(session);
    session.auth = undefined;
    if (live.get(session.ctx.sessionId) === session) live.delete(session.ctx.sessionId);
    if (release) void leases.release(session.lease).catch((err: unknown) => log.warn({ err }, 'could not release lease'));
  }

  function openSocket(session: LiveSession): void {
    if (session.closed || !session.auth) return;
    const { ctx } = session;
    session.qrCount = 0;
    try {
      const socket = options.socketFactory({
        auth: session.auth.state,
        label: `${ctx.organizationId}/${ctx.sessionName}`,
        logger: log.child({ session: ctx.sessionName, organizationId: ctx.organizationId }),
        waWebSocketUrl: options.waWebSocketUrl,
      });
      session.socket = socket;
      const auth = session.auth;
      const onCreds = () => enqueue(session, () => auth.saveCreds());
      const onConnection = (update: Partial<ConnectionState>) => {
        if (session.socket !== socket) return;
        if (update.connection === 'close') {
          // Stop listening at once: nothing from this socket matters any more.
          releaseSocket(session);
        }
        enqueue(session, () => handleConnectionUpdate(session, update));
      };
      socket.ev.on('creds.update', onCreds);
      socket.ev.on('connection.update', onConnection);
      session.detach.push(() => {
        socket.ev.off('creds.update', onCreds);
        socket.ev.off('connection.update', onConnection);
      });
      for (const sink of sinks) session.detach.push(sink.attach(ctx, socket));
    } catch (err) {
      // Runs from timers too: a throwing factory or sink must not take the process down.
      log.error({ err, session: ctx.sessionName }, 'could not open the session socket; retrying with backoff');
      releaseSocket(session);
      enqueue(session, () => handleClose(session, undefined));
    }
  }

  async function handleConnectionUpdate(session: LiveSession, update: Partial<ConnectionState>): Promise<void> {
    if (session.closed) return;
    const { sessionId } = session.ctx;
    if (update.qr) {
      const ttl = session.qrCount++ === 0 ? FIRST_QR_TTL_MS : NEXT_QR_TTL_MS;
      const stored = await withDeadline(qr.put(sessionId, update.qr, ttl), DB_MS, 'QR store');
      await withDeadline(updates.publish({ type: 'qr', sessionId, ...stored }), DB_MS, 'QR publish').catch(() => undefined);
      await setStatus(session, 'qr_ready');
    }
    if (update.connection === 'connecting' && session.status !== 'qr_ready') {
      await setStatus(session, 'connecting');
    } else if (update.connection === 'open') {
      session.attempts = 0;
      await withDeadline(qr.clear(sessionId), DB_MS, 'QR clear').catch((err: unknown) => log.warn({ err }, 'could not clear QR'));
      const user = session.socket?.user;
      await setStatus(session, 'connected', {
        phoneNumber: phoneOf(user?.id),
        pushName: user?.name ?? null,
        lastConnectedAt: new Date(),
        reconnectAttempts: 0,
        nextReconnectAt: null,
      });
    } else if (update.connection === 'close') {
      await handleClose(session, statusCodeOf(update));
    }
  }

  async function handleClose(session: LiveSession, statusCode: number | undefined): Promise<void> {
    const creds = session.auth?.state.creds;
    const paired = Boolean(creds?.registered || creds?.me);
    const decision = decideReconnect(statusCode, session.attempts, random(), paired, options.backoff ?? DEFAULT_BACKOFF);
    const now = new Date();
    log.info({ session: session.ctx.sessionName, statusCode, decision }, 'session socket closed');
    options.metrics?.disconnected(decision.reason, decision.action);
    if (decision.action === 'reconnect') {
      if (decision.countsAsAttempt) session.attempts++;
      const nextReconnectAt = new Date(now.getTime() + decision.delayMs);
      const status = decision.delayMs === 0 && !decision.countsAsAttempt ? 'connecting' : 'reconnecting';
      // The status write is bookkeeping: if it fails (MongoDB slow or down) the session must still
      // reconnect, or it would sit in memory holding its lease with no socket. A lost lease is
      // the renewal loop's to notice.
      const written = await setStatus(
        session,
        status,
        { lastDisconnectedAt: now, lastDisconnectReason: decision.reason, reconnectAttempts: session.attempts, nextReconnectAt: status === 'reconnecting' ? nextReconnectAt : null },
        decision.reason,
      ).catch((err: unknown) => {
        log.warn({ err, session: session.ctx.sessionName }, 'could not record the disconnect; reconnecting anyway');
        return true;
      });
      if (!written || session.closed) return;
      if (decision.delayMs === 0) {
        openSocket(session);
      } else {
        session.reconnectTimer = setTimeout(() => {
          session.reconnectTimer = undefined;
          openSocket(session);
        }, decision.delayMs);
      }
      return;
    }
    // Whatever fails below, the session is torn down: a half-stopped session would keep its lease.
    try {
      await qr.clear(session.ctx.sessionId).catch(() => undefined);
      if (decision.action === 'logout') {
        await authStore.wipe(session.ctx.sessionId);
        if (session.auth) session.auth = undefined;
        await setStatus(
          session,
          decision.status,
          { desiredState: 'stopped', lastDisconnectedAt: now, lastDisconnectReason: decision.reason, reconnectAttempts: 0, nextReconnectAt: null, phoneNumber: null, pushName: null },
          decision.reason,
        );
      } else {
        await setStatus(session, 'stopped', { desiredState: 'stopped', lastDisconnectedAt: now, lastDisconnectReason: decision.reason, reconnectAttempts: 0, nextReconnectAt: null }, decision.reason);
      }
    } finally {
      teardown(session, true);
    }
  }

  /** Takes the lease and starts the socket here; false when another instance got there first. */
  async function acquireAndStart(doc: Pick<SessionDoc, '_id' | 'name' | 'fencingToken'>): Promise<boolean> {
    if (closing || live.has(doc._id) || live.size >= options.maxSessions) return false;
    const lease = await leases.acquire(doc._id, doc.fencingToken ?? 0);
    if (!lease) return false;
    const fenced = await withDeadline(
      Session.findOneAndUpdate(
        { _id: doc._id, desiredState: 'running', fencingToken: { $lt: lease.token } },
        { $set: { fencingToken: lease.token, owner: instanceId } },
        { returnDocument: 'after' },
      ).lean<SessionDoc>(),
      DB_MS,
      'session fence',
    ).catch((err: unknown) => {
      log.warn({ err }, 'could not fence session');
      return null;
    });
    if (!fenced || closing) {
      await leases.release(lease);
      return false;
    }
    const session: LiveSession = {
      ctx: { organizationId: fenced.organizationId, sessionId: fenced._id, sessionName: fenced.name },
      lease,
      renewedAt: Date.now(),
      auth: undefined,
      socket: undefined,
      detach: [],
      reconnectTimer: undefined,
      attempts: 0,
      qrCount: 0,
      status: fenced.status,
      closed: false,
      queue: Promise.resolve(),
    };
    live.set(doc._id, session);
    try {
      session.auth = await authStore.load(doc._id, async () => {
        if (!(await leases.holds(lease))) {
          teardown(session, false);
          throw new Error('this instance no longer owns the session');
        }
      });
      if (!(await setStatus(session, 'starting', { reconnectAttempts: 0, nextReconnectAt: null }))) return false;
      openSocket(session);
      return true;
    } catch (err) {
      log.warn({ err, session: fenced.name }, 'could not start session');
      if (err instanceof SecretBoxError) {
        // Wrong BRIDGE_ENCRYPTION_KEY or tampered data: visible on the session; the claim loop
        // keeps trying, so fixing the key brings it back without re-pairing.
        await setStatus(session, 'failed', { lastDisconnectReason: 'auth_state_unreadable' }, 'auth_state_unreadable').catch(() => undefined);
      }
      teardown(session, true);
      return false;
    }
  }

  async function claimOnce(): Promise<void> {
    if (closing || live.size >= options.maxSessions) return;
    const running = await withDeadline(
      Session.find({ desiredState: 'running' }, { _id: 1, name: 1, fencingToken: 1 }).lean<Array<Pick<SessionDoc, '_id' | 'name' | 'fencingToken'>>>(),
      DB_MS,
      'running sessions lookup',
    );
    const candidates = running.filter((doc) => !live.has(doc._id));
    const owners = await leases.owners(candidates.map((doc) => doc._id));
    const unowned = candidates.filter((_, i) => owners[i] === null);
    // Random order spreads sessions across instances that claim at the same moment.
    for (let i = unowned.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [unowned[i], unowned[j]] = [unowned[j], unowned[i]];
    }
    await eachBounded(unowned.slice(0, options.maxSessions - live.size), concurrency, async (doc) => {
      await acquireAndStart(doc).catch((err: unknown) => log.warn({ err, session: doc.name }, 'claim failed'));
    });
  }

  async function renewAll(): Promise<void> {
    const sessions = [...live.values()];
    let held: boolean[];
    // Renewal is a few milliseconds of Redis work; waiting longer only eats into the lease.
    const renewDeadlineMs = Math.floor(renewEveryMs / 2);
    // The lease runs from when Redis extends it, which is no earlier than this.
    const sentAt = Date.now();
    try {
      held = await withDeadline(leases.renewAll(sessions.map((s) => s.lease)), renewDeadlineMs, 'session lease renewal');
    } catch (err) {
      // Redis unreachable: keep a socket only while its lease surely outlives the next attempt;
      // once the lease may expire, another instance may take the session.
      const now = Date.now();
      for (const session of sessions) {
        const remaining = session.renewedAt + options.leaseMs - now;
        if (!session.closed && remaining <= renewEveryMs + renewDeadlineMs) {
          log.warn({ session: session.ctx.sessionName }, 'could not renew the session lease in time; letting the session go');
          teardown(session, false);
        }
      }
      throw err;
    }
    sessions.forEach((session, i) => {
      if (held[i]) {
        session.renewedAt = sentAt;
      } else if (!session.closed) {
        log.warn({ session: session.ctx.sessionName }, 'session lease lost; another instance may own it now');
        teardown(session, false);
      }
    });
  }

  function claim(): Promise<void> {
    claiming ??= claimOnce().finally(() => (claiming = undefined));
    return claiming;
  }

  function scheduleLoop(): void {
    if (closing) return;
    loopTimer = setTimeout(() => {
      void (async () => {
        try {
          await renewAll();
          await claim();
        } catch (err) {
          log.warn({ err }, 'session ownership loop failed');
        }
        scheduleLoop();
      })();
    }, renewEveryMs);
  }

  // ---- operations on the owner -------------------------------------------------------------

  function localSession(sessionId: string): LiveSession | undefined {
    const session = live.get(sessionId);
    return session && !session.closed ? session : undefined;
  }

  async function ownerStop(sessionId: string): Promise<void> {
    const session = localSession(sessionId);
    if (!session) return;
    await new Promise<void>((resolve) => enqueue(session, async () => resolve()));
    releaseSocket(session);
    await qr.clear(sessionId).catch(() => undefined);
    await setStatus(session, 'stopped', { reconnectAttempts: 0, nextReconnectAt: null }, 'stopped_by_user');
    teardown(session, true);
  }

  async function ownerRestart(sessionId: string): Promise<void> {
    const session = localSession(sessionId);
    if (!session) return;
    if (session.reconnectTimer) clearTimeout(session.reconnectTimer);
    session.reconnectTimer = undefined;
    releaseSocket(session);
    session.attempts = 0;
    await setStatus(session, 'starting', { reconnectAttempts: 0, nextReconnectAt: null }, 'restarted_by_user');
    openSocket(session);
  }

  async function ownerLogout(sessionId: string): Promise<void> {
    const session = localSession(sessionId);
    if (!session) return;
    const socket = session.socket;
    // Ours to clean up, not the close handler's.
    if (socket) {
      for (const detach of session.detach.splice(0)) detach();
      await withDeadline(socket.logout(), SOCKET_CALL_MS, 'WhatsApp logout').catch((err: unknown) => log.warn({ err }, 'logout on WhatsApp failed; wiping locally'));
    }
    releaseSocket(session);
    await authStore.wipe(sessionId);
    await qr.clear(sessionId).catch(() => undefined);
    await setStatus(
      session,
      'logged_out',
      { desiredState: 'stopped', lastDisconnectedAt: new Date(), lastDisconnectReason: 'logged_out', reconnectAttempts: 0, nextReconnectAt: null, phoneNumber: null, pushName: null },
      'logged_out',
    );
    teardown(session, true);
  }

  async function ownerPairingCode(sessionId: string, phoneNumber: string): Promise<string> {
    const session = localSession(sessionId);
    if (!session?.socket) throw conflict('session_not_running', 'The session has no live connection; start it first.');
    if (session.auth?.state.creds.registered) throw conflict('session_already_paired', 'This session is already paired with a phone; log out first to pair another.');
    return await withDeadline(session.socket.requestPairingCode(phoneNumber), SOCKET_CALL_MS, 'WhatsApp pairing code');
  }

  async function ownerSend(sessionId: string, jid: string, content: AnyMessageContent, sendOptions?: MiscMessageGenerationOptions): Promise<WAMessage> {
    const session = localSession(sessionId);
    if (!session?.socket || session.status !== 'connected') {
      throw conflict('session_not_connected', 'The session is not connected.', { status: session?.status ?? 'stopped' });
    }
    const message = await withDeadline(session.socket.sendMessage(jid, content, sendOptions), SOCKET_CALL_MS, 'WhatsApp send');
    if (!message) throw serviceUnavailable('send_failed', 'WhatsApp did not return the sent message.');
    return message;
  }

  rpc.serve(async (method, args) => {
    const a = args as { sessionId: string; phoneNumber?: string; jid?: string; content?: AnyMessageContent; options?: MiscMessageGenerationOptions };
    switch (method) {
      case 'stop': return await ownerStop(a.sessionId);
      case 'restart': return await ownerRestart(a.sessionId);
      case 'logout': return await ownerLogout(a.sessionId);
      case 'pairingCode': return await ownerPairingCode(a.sessionId, a.phoneNumber ?? '');
      case 'send': return await ownerSend(a.sessionId, a.jid ?? '', a.content as AnyMessageContent, a.options);
      default: throw new Error(`unknown method ${method}`);
    }
  });

  /**
   * Runs `local` when this instance owns the session, asks the owner otherwise; `unowned` when
   * nobody holds the lease.
   */
  async function onOwner<T>(sessionId: string, method: string, args: Record<string, unknown>, local: () => Promise<T>, unowned: () => Promise<T>): Promise<T> {
    if (localSession(sessionId)) return await local();
    const owner = await leases.owner(sessionId);
    if (!owner) return await unowned();
    if (owner.instanceId === instanceId) return await unowned();
    return await rpc.call<T>(owner.instanceId, method, { sessionId, ...args }, RPC_MS);
  }

  async function writeUnowned(doc: SessionDoc, status: SessionStatus, set: Partial<SessionDoc>, reason: string): Promise<SessionDoc> {
    const updated = await Session.findOneAndUpdate({ _id: doc._id }, { $set: { status, ...set } }, { returnDocument: 'after' }).lean<SessionDoc>();
    if (!updated) throw notFound('session_not_found', `No session named "${doc.name}".`);
    if (doc.status !== status) await recordStatus(updated, status, doc.status, reason);
    return updated;
  }

  async function view(organizationId: string, name: string): Promise<SessionView> {
    return toView(await find(organizationId, name));
  }

  async function startSession(doc: SessionDoc): Promise<void> {
    await Session.updateOne({ _id: doc._id }, { $set: { desiredState: 'running' } });
    if (localSession(doc._id) || (await leases.owner(doc._id))) return;
    if (!(await acquireAndStart(doc))) {
      // At capacity (or raced): another instance's claim pass picks it up.
      await writeUnowned({ ...doc, desiredState: 'running' }, 'starting', {}, 'started_by_user');
    }
  }

  async function logoutSession(doc: SessionDoc): Promise<void> {
    await onOwner(doc._id, 'logout', {}, () => ownerLogout(doc._id), async () => {
      await authStore.wipe(doc._id);
      await qr.clear(doc._id).catch(() => undefined);
      await writeUnowned(doc, 'logged_out', { desiredState: 'stopped', phoneNumber: null, pushName: null, reconnectAttempts: 0, nextReconnectAt: null, lastDisconnectReason: 'logged_out' }, 'logged_out');
    });
  }

  return {
    find,
    async findById(sessionId) {
      return await withDeadline(Session.findById(sessionId).lean<SessionDoc>(), DB_MS, 'session lookup');
    },
    async create(organizationId, name, { start }) {
      const now = new Date();
      const doc: SessionDoc = {
        _id: newId('ses'),
        organizationId,
        name,
        status: 'stopped',
        desiredState: 'stopped',
        phoneNumber: null,
        pushName: null,
        lastConnectedAt: null,
        lastDisconnectedAt: null,
        lastDisconnectReason: null,
        reconnectAttempts: 0,
        nextReconnectAt: null,
        fencingToken: 0,
        owner: null,
        createdAt: now,
        updatedAt: now,
      };
      try {
        await Session.collection.insertOne(doc as unknown as Parameters<typeof Session.collection.insertOne>[0]);
      } catch (error) {
        if (isDuplicateKey(error)) throw conflict('session_exists', `A session named "${name}" already exists.`);
        throw error;
      }
      if (start) await startSession(doc);
      return await view(organizationId, name);
    },
    async list(organizationId) {
      const docs = await withDeadline(runListing<SessionDoc>(Session, sessionListing(organizationId)), DB_MS, 'session list');
      return docs.map(toView);
    },
    get: view,
    async start(organizationId, name) {
      await startSession(await find(organizationId, name));
      return await view(organizationId, name);
    },
    async stop(organizationId, name) {
      const doc = await find(organizationId, name);
      await Session.updateOne({ _id: doc._id }, { $set: { desiredState: 'stopped' } });
      await onOwner(doc._id, 'stop', {}, () => ownerStop(doc._id), async () => {
        await writeUnowned(doc, 'stopped', { reconnectAttempts: 0, nextReconnectAt: null }, 'stopped_by_user');
      });
      return await view(organizationId, name);
    },
    async restart(organizationId, name) {
      const doc = await find(organizationId, name);
      await onOwner(doc._id, 'restart', {}, () => ownerRestart(doc._id), () => startSession(doc));
      return await view(organizationId, name);
    },
    async logout(organizationId, name) {
      await logoutSession(await find(organizationId, name));
      return await view(organizationId, name);
    },
    async remove(organizationId, name, purge) {
      const doc = await find(organizationId, name);
      await Session.updateOne({ _id: doc._id }, { $set: { desiredState: 'stopped' } });
      await logoutSession(doc).catch((err: unknown) => log.warn({ err, session: name }, 'logout during delete failed; wiping anyway'));
      await authStore.wipe(doc._id);
      // deleteMany: a single-document delete racing a status write deletes nothing on DocumentDB (docs/database.md).
      await Session.deleteMany({ _id: doc._id });
      await leases.forget(doc._id).catch(() => undefined);
      if (purge) {
        const db = models.Session.db;
        for (const collection of ['messages', 'contacts']) {
          await db.collection(collection).deleteMany({ organizationId, session: name });
        }
      }
    },
    async requestPairingCode(organizationId, name, phoneNumber) {
      const doc = await find(organizationId, name);
      return await onOwner(doc._id, 'pairingCode', { phoneNumber }, () => ownerPairingCode(doc._id, phoneNumber), async () => {
        throw conflict('session_not_running', 'The session is not running; start it first, then request a pairing code.');
      });
    },
    async sendMessage(organizationId, name, jid, content, sendOptions) {
      const doc = await find(organizationId, name);
      return await onOwner(doc._id, 'send', { jid, content, options: sendOptions }, () => ownerSend(doc._id, jid, content, sendOptions), async () => {
        throw conflict('session_not_connected', 'The session is not connected.', { status: doc.status });
      });
    },
    currentQr: (sessionId) => qr.get(sessionId),
    subscribe: (sessionId, listener) => updates.subscribe(sessionId, listener),
    registerSink(sink) {
      sinks.push(sink);
    },
    async startBackground() {
      await claim();
      scheduleLoop();
    },
    claim,
    localSessions: () => [...live.keys()],
    async close() {
      closing = true;
      if (loopTimer) clearTimeout(loopTimer);
      loopTimer = undefined;
      await claiming?.catch(() => undefined);
      const sessions = [...live.values()];
      for (const session of sessions) teardown(session, false);
      await Promise.all(sessions.map((s) => leases.release(s.lease).catch(() => undefined)));
      live.clear();
      sinks.length = 0;
    },
  };
}
