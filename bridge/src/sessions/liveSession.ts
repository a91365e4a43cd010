import type { AnyMessageContent, ConnectionState, MiscMessageGenerationOptions, WAMessage } from '@whiskeysockets/baileys';
import type { Boom } from '@hapi/boom';
import type { Logger } from '../infra/logger.ts';
import type { SessionDoc, SessionStatus } from '../models/session.ts';
import type { SocketFactory } from '../whatsapp/socket.ts';
import { phoneOf } from '../whatsapp/jid.ts';
import { SessionSocket, type SocketSettings } from './sessionSocket.ts';
import { withDeadline } from '../infra/deadline.ts';
import { SecretBoxError } from '../infra/secretBox.ts';
import { conflict, refused } from '../errors.ts';
import type { SessionContext, SocketEventSink } from './sessionGateway.ts';
import type { AuthStateStore, SessionAuthState } from './authStateStore.ts';
import type { Lease } from './sessionLease.ts';
import type { QrStore } from './qrStore.ts';
import type { SessionUpdates } from './sessionUpdates.ts';
import type { SessionStatusStore } from './sessionStatus.ts';
import type { SessionMetrics } from './sessionMetrics.ts';
import { decideReconnect, type BackoffSchedule } from './reconnectPolicy.ts';

export interface LiveSessionDeps {
  socketFactory: SocketFactory;
  sinks: SocketEventSink[];
  authStore: AuthStateStore;
  qr: QrStore;
  updates: SessionUpdates;
  status: SessionStatusStore;
  log: Logger;
  waWebSocketUrl?: string;
  socketSettings?: SocketSettings;
  backoff?: BackoffSchedule;
  random: () => number;
  metrics?: SessionMetrics;
  /** How long each QR code is shown (Baileys' qrTimeout); unset: 60 s for the first, 20 s for the next. */
  qrTimeoutMs?: number;
  /** Whether this instance still holds the lease (checked before every auth-state write). */
  holds(lease: Lease): Promise<boolean>;
  /** Called once when the session ends here: `release` gives the lease back (false when it was lost). */
  ended(session: LiveSession, release: boolean): void;
}

const FIRST_QR_TTL_MS = 60_000;
const NEXT_QR_TTL_MS = 20_000;
const SOCKET_CALL_MS = 30_000;
const DB_MS = 10_000;

/**
 * One session's live socket on the owning instance, as a state machine: its states are the
 * documented statuses; the socket's events (QR, open, close; handled one at a time, in order)
 * and the owner's commands (stop, restart, logout, pairing code, send) are its methods. The
 * reconnect decision (reconnectPolicy.ts) is taken here, in onClose.
 */
export class LiveSession {
  readonly ctx: SessionContext;
  readonly lease: Lease;
  status: SessionStatus;
  closed = false;
  private auth: SessionAuthState | undefined;
  private current: SessionSocket | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private attempts = 0;
  private qrCount = 0;
  /** Socket events are handled one after another, so status writes keep their order. */
  private queue: Promise<void> = Promise.resolve();
  private readonly deps: LiveSessionDeps;
  private readonly log: Logger;

  constructor(deps: LiveSessionDeps, doc: SessionDoc, lease: Lease) {
    this.deps = deps;
    this.log = deps.log;
    this.ctx = { organizationId: doc.organizationId, sessionId: doc._id, sessionName: doc.name, history: doc.receive?.history };
    this.lease = lease;
    this.status = doc.status;
  }

  /** Loads the auth state and opens the socket; false when the session could not start (it has ended then). */
  async start(): Promise<boolean> {
    try {
      this.auth = await this.deps.authStore.load(this.ctx.sessionId, async () => {
        if (!(await this.deps.holds(this.lease))) {
          this.end(false);
          throw new Error('this instance no longer owns the session');
        }
      });
      if (!(await this.setStatus('starting', { reconnectAttempts: 0, nextReconnectAt: null }))) return false;
      this.open();
      return true;
    } catch (err) {
      this.log.warn({ err, session: this.ctx.sessionName }, 'could not start session');
      if (err instanceof SecretBoxError) {
        // Wrong BRIDGE_ENCRYPTION_KEY or tampered data: visible on the session; the claim loop
        // keeps trying, so fixing the key brings it back without re-pairing.
        await this.setStatus('failed', { lastDisconnectReason: 'auth_state_unreadable' }, 'auth_state_unreadable').catch(() => undefined);
      }
      this.end(true);
      return false;
    }
  }

  /** Forgets the session here: timers, socket, listeners; `release` gives the lease back. */
  end(release: boolean): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.releaseSocket();
    this.auth = undefined;
    this.deps.ended(this, release);
  }

  // ---- the owner's commands ------------------------------------------------------------------

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.enqueue(async () => resolve()));
    this.releaseSocket();
    // What the socket still emitted is stored before the session reads as stopped.
    await this.drained;
    await this.deps.qr.clear(this.ctx.sessionId).catch(() => undefined);
    await this.setStatus('stopped', { reconnectAttempts: 0, nextReconnectAt: null }, 'stopped_by_user');
    this.end(true);
  }

  async restart(): Promise<void> {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.releaseSocket();
    this.attempts = 0;
    await this.setStatus('starting', { reconnectAttempts: 0, nextReconnectAt: null }, 'restarted_by_user');
    this.open();
  }

  async logout(): Promise<void> {
    // Ours to clean up, not the close handler's.
    if (this.current) {
      await this.current.detachAll();
      await withDeadline(this.current.socket.logout(), SOCKET_CALL_MS, 'WhatsApp logout').catch((err: unknown) => this.log.warn({ err }, 'logout on WhatsApp failed; wiping locally'));
    }
    this.releaseSocket();
    await this.deps.authStore.wipe(this.ctx.sessionId);
    await this.deps.qr.clear(this.ctx.sessionId).catch(() => undefined);
    await this.setStatus(
      'logged_out',
      { desiredState: 'stopped', lastDisconnectedAt: new Date(), lastDisconnectReason: 'logged_out', reconnectAttempts: 0, nextReconnectAt: null, phoneNumber: null, pushName: null },
      'logged_out',
    );
    this.end(true);
  }

  async pairingCode(phoneNumber: string): Promise<string> {
    if (!this.current) throw conflict('session_not_running', 'The session has no live connection; start it first.');
    if (this.auth?.state.creds.registered) throw conflict('session_already_paired', 'This session is already paired with a phone; log out first to pair another.');
    return await withDeadline(this.current.socket.requestPairingCode(phoneNumber), SOCKET_CALL_MS, 'WhatsApp pairing code');
  }

  async send(jid: string, content: AnyMessageContent, options?: MiscMessageGenerationOptions): Promise<WAMessage> {
    if (!this.current || this.status !== 'connected') throw conflict('session_not_connected', 'The session is not connected.', { status: this.status });
    const message = await withDeadline(this.current.socket.sendMessage(jid, content, options), SOCKET_CALL_MS, 'WhatsApp send');
    if (!message) throw refused('send_failed', 'WhatsApp did not return the sent message.');
    return message;
  }

  // ---- the socket and its events -------------------------------------------------------------

  private open(): void {
    const auth = this.auth;
    if (this.closed || !auth) return;
    this.qrCount = 0;
    try {
      const { socketSettings, qrTimeoutMs } = this.deps;
      const settings = qrTimeoutMs ? (ctx: SessionContext) => ({ ...socketSettings?.(ctx), qrTimeoutMs }) : socketSettings;
      const opened: SessionSocket = new SessionSocket({ factory: this.deps.socketFactory, sinks: this.deps.sinks, log: this.log, waWebSocketUrl: this.deps.waWebSocketUrl, settings }, this.ctx, auth, {
        creds: () => this.enqueue(() => auth.saveCreds()),
        connection: (update) => {
          if (this.current !== opened) return;
          if (update.connection === 'close') this.current = undefined;
          this.enqueue(() => this.onConnectionUpdate(update));
        },
      });
      this.current = opened;
    } catch (err) {
      // Runs from timers too: a throwing factory or sink must not take the process down.
      this.log.error({ err, session: this.ctx.sessionName }, 'could not open the session socket; retrying with backoff');
      this.releaseSocket();
      this.enqueue(() => this.onClose(undefined));
    }
  }

  private async onConnectionUpdate(update: Partial<ConnectionState>): Promise<void> {
    if (this.closed) return;
    const { sessionId } = this.ctx;
    if (update.qr) {
      // As long as Baileys shows it: its qrTimeout for every code, or 60 s for the first and 20 s for the next.
      const ttl = this.deps.qrTimeoutMs ?? (this.qrCount === 0 ? FIRST_QR_TTL_MS : NEXT_QR_TTL_MS);
      this.qrCount++;
      const stored = await withDeadline(this.deps.qr.put(sessionId, update.qr, ttl), DB_MS, 'QR store');
      await withDeadline(this.deps.updates.publish({ type: 'qr', sessionId, ...stored }), DB_MS, 'QR publish').catch(() => undefined);
      await this.setStatus('qr_ready');
    }
    if (update.connection === 'connecting' && this.status !== 'qr_ready') {
      await this.setStatus('connecting');
    } else if (update.connection === 'open') {
      this.attempts = 0;
      await withDeadline(this.deps.qr.clear(sessionId), DB_MS, 'QR clear').catch((err: unknown) => this.log.warn({ err }, 'could not clear QR'));
      const user = this.current?.socket.user;
      await this.setStatus('connected', { phoneNumber: phoneOf(user?.id), pushName: user?.name ?? null, lastConnectedAt: new Date(), reconnectAttempts: 0, nextReconnectAt: null });
    } else if (update.connection === 'close') {
      await this.onClose((update.lastDisconnect?.error as Boom | undefined)?.output?.statusCode);
    }
  }

  /** Where a reconnect is decided: by the close's DisconnectReason, the attempts so far and whether the session is paired. */
  private async onClose(statusCode: number | undefined): Promise<void> {
    const creds = this.auth?.state.creds;
    // Baileys sets `me` as soon as a pairing code is requested: with the code never typed
    // (registered still false) the session is no more paired than before.
    const pendingCode = Boolean(creds && !creds.registered && creds.pairingCode);
    const paired = Boolean(creds?.registered || creds?.me) && !pendingCode;
    const decision = decideReconnect(statusCode, { attempt: this.attempts, random: this.deps.random(), paired, qrShown: this.qrCount > 0, schedule: this.deps.backoff });
    const now = new Date();
    this.log.info({ session: this.ctx.sessionName, statusCode, decision }, 'session socket closed');
    this.deps.metrics?.disconnected(decision.reason, decision.action);
    if (decision.action === 'reconnect') {
      if (decision.countsAsAttempt) this.attempts++;
      const status = decision.delayMs === 0 && !decision.countsAsAttempt ? 'connecting' : 'reconnecting';
      const nextReconnectAt = status === 'reconnecting' ? new Date(now.getTime() + decision.delayMs) : null;
      // The status write is bookkeeping: if it fails (MongoDB slow or down) the session must still
      // reconnect, or it would sit in memory holding its lease with no socket. A lost lease is
      // the renewal loop's to notice.
      const written = await this.setStatus(status, { lastDisconnectedAt: now, lastDisconnectReason: decision.reason, reconnectAttempts: this.attempts, nextReconnectAt }, decision.reason).catch((err: unknown) => {
        this.log.warn({ err, session: this.ctx.sessionName }, 'could not record the disconnect; reconnecting anyway');
        return true;
      });
      if (!written || this.closed) return;
      if (decision.delayMs === 0) this.open();
      else this.reconnectTimer = setTimeout(() => ((this.reconnectTimer = undefined), this.open()), decision.delayMs);
      return;
    }
    // Whatever fails below, the session ends: a half-stopped session would keep its lease.
    try {
      await this.deps.qr.clear(this.ctx.sessionId).catch(() => undefined);
      const ended = { desiredState: 'stopped' as const, lastDisconnectedAt: now, lastDisconnectReason: decision.reason, reconnectAttempts: 0, nextReconnectAt: null };
      if (decision.action === 'logout') {
        await this.deps.authStore.wipe(this.ctx.sessionId);
        this.auth = undefined;
        await this.setStatus(decision.status, { ...ended, phoneNumber: null, pushName: null }, decision.reason);
      } else {
        if (decision.reason === 'qr_timeout' && creds?.me) {
          // A pairing code was asked for and never typed: those creds would log in as that number
          // at the next start and be refused. Nothing was paired, so the next start begins afresh.
          await this.deps.authStore.wipe(this.ctx.sessionId);
          this.auth = undefined;
        }
        await this.setStatus('stopped', ended, decision.reason);
      }
    } finally {
      this.end(true);
    }
  }

  /** The fenced status write; false (and the session ends here, without the lease) when another instance owns it now. */
  private async setStatus(status: SessionStatus, extra: Partial<SessionDoc> = {}, reason: string | null = null): Promise<boolean> {
    const doc = await this.deps.status.writeOwned(this.ctx.sessionId, this.lease.token, status, this.status, extra, reason);
    if (!doc) {
      this.log.warn({ session: this.ctx.sessionName }, 'lost ownership of session (newer owner or deleted); letting go');
      this.end(false);
      return false;
    }
    this.status = status;
    // A restart's socket asks for what the session is set to now (PATCH /v1/sessions/:name).
    this.ctx.history = doc.receive?.history;
    return true;
  }

  private enqueue(work: () => Promise<void>): void {
    this.queue = this.queue.then(work).catch((err: unknown) => this.log.warn({ err, session: this.ctx.sessionName }, 'session event handling failed'));
  }

  /** Detaches everything from the socket and ends it. */
  /** Resolves once every socket this session ended has handed its last events to the writers. */
  drained: Promise<void> = Promise.resolve();

  private releaseSocket(): void {
    const current = this.current;
    this.current = undefined;
    if (!current) return;
    const closing = current.close();
    const before = this.drained;
    this.drained = Promise.all([before, closing]).then(() => undefined);
  }
}
