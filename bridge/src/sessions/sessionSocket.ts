import type { ConnectionState } from '@whiskeysockets/baileys';
import type { Logger } from '../infra/logger.ts';
import type { SocketFactory, SocketOptions, WhatsAppSocket } from '../whatsapp/socket.ts';
import type { SessionContext, SocketEventSink } from './sessionGateway.ts';
import type { SessionAuthState } from './authStateStore.ts';
import { isOutage } from '../infra/outage.ts';
import { cachedSignalKeys } from './signalKeyCache.ts';

/** Socket options that depend on the session (getMessage reads its store) or on start-up (the version). */
export type SocketSettings = (ctx: SessionContext) => Partial<Pick<SocketOptions, 'version' | 'getMessage' | 'cachedGroupMetadata' | 'syncFullHistory' | 'qrTimeoutMs'>>;

/** How long a closing socket waits for its sinks to hand over what it emitted last. */
const DRAIN_MS = 10_000;
/**
 * After the end, Baileys still works through the stanzas it had received (decrypts them and
 * emits them). The sinks keep listening until the socket has been quiet this long (or LATE_MS
 * passed), so what it still decrypts is stored rather than lost.
 */
const QUIET_MS = 250;
const LATE_MS = 5_000;
/**
 * How long a Signal key read or write of a live socket waits for a database that is down.
 * Baileys handles a socket's messages one after another and acknowledges each only once its keys
 * are read and written: waiting here holds the acknowledgement back, so WhatsApp keeps the
 * messages (and redelivers them to the next socket) instead of Baileys turning them into
 * undecryptable placeholders whose content would depend on the sender answering a retry.
 */
const OUTAGE_WAIT_MS = 10 * 60_000;
const SINK_EVENTS = ['messages.upsert', 'messages.update', 'message-receipt.update', 'messaging-history.set', 'contacts.upsert', 'contacts.update'] as const;

export interface SocketHandlers {
  /** Every creds.update: the creds must be saved. */
  creds(): void;
  /** Every connection.update of this socket, until it closes (the close included). */
  connection(update: Partial<ConnectionState>): void;
}

/**
 * One WhatsApp socket of a session with everything attached to it (the session's own listeners
 * and every feature's sink); close() detaches all of it and ends the socket, so a closed socket
 * leaves no listener behind.
 */
export class SessionSocket {
  readonly socket: WhatsAppSocket;
  private readonly detach: Array<() => void | Promise<void>> = [];
  private readonly log: Logger;
  /** Set once the socket is ended or closed: from then on its Signal key writes are discarded. */
  private ended = false;
  private lastEventAt = Date.now();
  private closing: Promise<void> | undefined;

  constructor(
    deps: { factory: SocketFactory; sinks: SocketEventSink[]; log: Logger; waWebSocketUrl?: string; settings?: SocketSettings },
    ctx: SessionContext,
    auth: SessionAuthState,
    on: SocketHandlers,
  ) {
    this.log = deps.log;
    // A socket that has ended must not move the session's Signal state on: what it decrypts
    // late is still stored (the sinks keep listening for a moment), and WhatsApp redelivers it
    // to the next socket, which can decrypt it only if the state is the one it was acknowledged on.
    // Read once, then from memory; written through (signalKeyCache.ts).
    const keys = cachedSignalKeys(auth.state.keys);
    const guardedKeys: typeof keys = {
      get: (type, ids) => this.outlastingOutages(async () => keys.get(type, ids)),
      set: async (data) => {
        const discarded = () => {
          this.log.debug({ session: ctx.sessionName, types: Object.keys(data) }, 'key write of an ended socket discarded');
        };
        if (this.ended) return discarded();
        const written = await this.outlastingOutages(async () => {
          if (this.ended) return false;
          await keys.set(data);
          return true;
        });
        if (!written) discarded();
      },
      ...(keys.clear ? { clear: () => keys.clear!() } : {}),
    };
    this.socket = deps.factory({
      ...deps.settings?.(ctx),
      auth: { creds: auth.state.creds, keys: guardedKeys },
      label: `${ctx.organizationId}/${ctx.sessionName}`,
      logger: deps.log.child({ session: ctx.sessionName, organizationId: ctx.organizationId }),
      waWebSocketUrl: deps.waWebSocketUrl,
    });
    const onCreds = () => on.creds();
    const onConnection = (update: Partial<ConnectionState>) => {
      // Stop listening at once: nothing from this socket matters after its close.
      if (update.connection === 'close') this.close();
      on.connection(update);
    };
    this.socket.ev.on('creds.update', onCreds);
    this.socket.ev.on('connection.update', onConnection);
    this.detach.push(() => {
      this.socket.ev.off('creds.update', onCreds);
      this.socket.ev.off('connection.update', onConnection);
    });
    const seen = () => {
      this.lastEventAt = Date.now();
    };
    for (const event of SINK_EVENTS) this.socket.ev.on(event, seen);
    try {
      for (const sink of deps.sinks) this.detach.push(sink.attach(ctx, this.socket));
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /** Retries `step` while the database is unreachable (the socket still live), up to OUTAGE_WAIT_MS. */
  private async outlastingOutages<T>(step: () => Promise<T>): Promise<T> {
    const started = Date.now();
    let warned = false;
    for (let delay = 200; ; delay = Math.min(delay * 2, 5_000)) {
      try {
        return await step();
      } catch (error) {
        if (!isOutage(error) || this.ended || Date.now() - started + delay > OUTAGE_WAIT_MS) throw error;
        if (!warned) this.log.warn({ err: error }, 'Signal keys unreachable; holding the socket\'s messages until the database answers');
        warned = true;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /**
   * Stops every listener (the sinks' included) without ending the socket (a logout still needs
   * it). First Baileys' event buffer is flushed, so what it held back (messages, receipts folded
   * into them) reaches the sinks; resolves once the sinks handed it all to their writers.
   */
  detachAll(): Promise<void> {
    try {
      this.socket.flush?.();
    } catch (err) {
      this.log.warn({ err }, 'flushing the socket buffer failed');
    }
    const drains: Promise<void>[] = [];
    for (const detach of this.detach.splice(0)) {
      try {
        const done = detach();
        if (done) drains.push(done.catch((err: unknown) => this.log.warn({ err }, 'a sink failed while draining')));
      } catch (err) {
        this.log.warn({ err }, 'detaching a sink failed');
      }
    }
    if (drains.length === 0) return Promise.resolve();
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, DRAIN_MS).unref());
    return Promise.race([Promise.all(drains).then(() => undefined), timeout]);
  }

  /**
   * Flushes Baileys' buffer, ends the socket, and keeps the sinks listening until it has been
   * quiet for a moment (it may still decrypt what it had received); then detaches everything.
   * Resolves once the sinks are drained. Safe to call again.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.ended = true;
    try {
      this.socket.flush?.();
    } catch (err) {
      this.log.warn({ err }, 'flushing the socket buffer failed');
    }
    try {
      this.socket.end();
    } catch {
      // Already closed.
    }
    this.closing = (async () => {
      const started = Date.now();
      while (Date.now() - this.lastEventAt < QUIET_MS && Date.now() - started < LATE_MS) {
        await new Promise((resolve) => setTimeout(resolve, QUIET_MS).unref());
      }
      await this.detachAll();
      this.socket.ev.removeAllListeners();
    })();
    return this.closing;
  }
}
