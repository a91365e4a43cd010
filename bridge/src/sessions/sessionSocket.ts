import type { ConnectionState } from '@whiskeysockets/baileys';
import type { Logger } from '../infra/logger.ts';
import type { SocketFactory, SocketOptions, WhatsAppSocket } from '../whatsapp/socket.ts';
import type { SessionContext, SocketEventSink } from './sessionGateway.ts';
import type { SessionAuthState } from './authStateStore.ts';

/** Socket options that depend on the session (getMessage reads its store) or on start-up (the version). */
export type SocketSettings = (ctx: SessionContext) => Partial<Pick<SocketOptions, 'version' | 'getMessage' | 'cachedGroupMetadata' | 'syncFullHistory'>>;

/** How long a closing socket waits for its sinks to hand over what it emitted last. */
const DRAIN_MS = 10_000;

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

  constructor(
    deps: { factory: SocketFactory; sinks: SocketEventSink[]; log: Logger; waWebSocketUrl?: string; settings?: SocketSettings },
    ctx: SessionContext,
    auth: SessionAuthState,
    on: SocketHandlers,
  ) {
    this.log = deps.log;
    this.socket = deps.factory({
      ...deps.settings?.(ctx),
      auth: auth.state,
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
    try {
      for (const sink of deps.sinks) this.detach.push(sink.attach(ctx, this.socket));
    } catch (err) {
      this.close();
      throw err;
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

  /** Flushes and detaches everything, then ends the socket; resolves once the sinks are drained. */
  close(): Promise<void> {
    const drained = this.detachAll();
    this.socket.ev.removeAllListeners();
    try {
      this.socket.end();
    } catch {
      // Already closed.
    }
    return drained;
  }
}
