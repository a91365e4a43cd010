import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { Boom } from '@hapi/boom';
import { DisconnectReason, WAMessageStatus, type AnyMessageContent, type MiscMessageGenerationOptions, type WAMessage, type proto } from '@whiskeysockets/baileys';
import type { SocketEventName, SocketEvents, SocketFactory, SocketOptions, WhatsAppSocket } from '../../bridge/src/whatsapp/socket.ts';

/** A Baileys-shaped disconnect error: `lastDisconnect.error.output.statusCode` is what callers read. */
export function disconnectError(statusCode: number, message = 'Connection Failure'): Boom {
  return new Boom(message, { statusCode });
}

export interface SentMessage {
  jid: string;
  content: AnyMessageContent;
  message: WAMessage;
}

/**
 * In-process stand-in for WhatsApp: every socket the bridge creates through `factory` is a
 * FakeSocket. A socket with registered creds opens by itself (as Baileys does on restore); an
 * unpaired one shows a QR until a test calls `scanQr()`, which replays Baileys' pairing sequence
 * (creds.update, isNewLogin, then close with restartRequired).
 */
export class FakeWhatsApp {
  readonly sockets: FakeSocket[] = [];
  /** When false, sockets stay `connecting` until a test calls open(). */
  autoOpen = true;

  readonly factory: SocketFactory = (options) => {
    const socket = new FakeSocket(options, this);
    this.sockets.push(socket);
    socket.boot();
    return socket;
  };

  /** Live (not ended) sockets. */
  live(): FakeSocket[] {
    return this.sockets.filter((s) => !s.ended);
  }

  /** The newest socket for a session label (`<organizationId>/<name>`) or name suffix. */
  latest(labelOrName: string): FakeSocket | undefined {
    return [...this.sockets].reverse().find((s) => s.label === labelOrName || s.label.endsWith(`/${labelOrName}`));
  }

  async waitFor(labelOrName: string, predicate: (s: FakeSocket) => boolean = () => true, timeoutMs = 10_000): Promise<FakeSocket> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const socket = this.latest(labelOrName);
      if (socket && predicate(socket)) return socket;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no fake socket for ${labelOrName} matched within ${timeoutMs} ms`);
  }
}

export class FakeSocket implements WhatsAppSocket {
  readonly emitter = new EventEmitter();
  readonly label: string;
  readonly options: SocketOptions;
  readonly sent: SentMessage[] = [];
  ended = false;
  state: 'connecting' | 'open' | 'close' = 'connecting';
  user: { id: string; name?: string } | undefined;
  /** The next sendMessage rejects with this error (then clears). */
  failNextSend: Error | undefined;
  pairingCodes: string[] = [];
  private readonly whatsapp: FakeWhatsApp;

  readonly ev = {
    on: <E extends SocketEventName>(event: E, listener: (arg: SocketEvents[E]) => void) => void this.emitter.on(event, listener),
    off: <E extends SocketEventName>(event: E, listener: (arg: SocketEvents[E]) => void) => void this.emitter.off(event, listener),
    removeAllListeners: (event?: SocketEventName) => void (event ? this.emitter.removeAllListeners(event) : this.emitter.removeAllListeners()),
  };

  constructor(options: SocketOptions, whatsapp: FakeWhatsApp) {
    this.options = options;
    this.label = options.label;
    this.whatsapp = whatsapp;
  }

  /**
   * Baileys' event buffer (Utils/event-buffer.js): while buffering, message events are held and
   * come out at flush(); end() drops whatever is still held, as Baileys' end() does.
   */
  buffering = false;
  private held: Array<[SocketEventName, unknown]> = [];

  emit<E extends SocketEventName>(event: E, arg: SocketEvents[E]): void {
    if (this.buffering && event !== 'connection.update' && event !== 'creds.update') {
      this.held.push([event, arg]);
      return;
    }
    this.emitter.emit(event, arg);
  }

  flush(): void {
    this.buffering = false;
    for (const [event, arg] of this.held.splice(0)) this.emitter.emit(event, arg);
  }

  listenerCount(): number {
    return this.emitter.eventNames().reduce((n, e) => n + this.emitter.listenerCount(e), 0);
  }

  /** Called by the factory: connecting, then open (registered creds) or a QR (unpaired). */
  boot(): void {
    setImmediate(() => {
      if (this.ended) return;
      this.emit('connection.update', { connection: 'connecting' });
      if (this.options.auth.creds.registered && this.options.auth.creds.me) {
        if (this.whatsapp.autoOpen) this.open();
      } else {
        this.showQr();
      }
    });
  }

  showQr(qr = `2@${randomBytes(24).toString('base64')},${randomBytes(32).toString('base64')},${randomBytes(32).toString('base64')},${randomBytes(16).toString('base64')}`): string {
    this.emit('connection.update', { qr });
    return qr;
  }

  /** The phone scans the QR: Baileys' pairing sequence, ending in a restartRequired close. */
  scanQr(phone = '15550001111', pushName = 'Fake Phone'): void {
    const me = { id: `${phone}:7@s.whatsapp.net`, name: pushName };
    this.options.auth.creds.me = me;
    this.options.auth.creds.registered = true;
    this.emit('creds.update', { me, registered: true });
    this.emit('connection.update', { isNewLogin: true, qr: undefined });
    this.close(DisconnectReason.restartRequired, 'Stream Errored (restart required)');
  }

  open(): void {
    const me = this.options.auth.creds.me;
    this.user = me ? { id: me.id, name: me.name } : { id: '15550001111:7@s.whatsapp.net' };
    this.state = 'open';
    this.emit('connection.update', { connection: 'open', receivedPendingNotifications: true });
  }

  /** The server (or network) closes the connection with a DisconnectReason status code. */
  close(statusCode: number, message = 'Connection Failure'): void {
    if (this.ended) return;
    this.ended = true;
    this.state = 'close';
    this.emit('connection.update', { connection: 'close', lastDisconnect: { error: disconnectError(statusCode, message), date: new Date() } });
  }

  /** An inbound (or history) message batch, as Baileys emits it. */
  receive(messages: WAMessage[], type: 'notify' | 'append' = 'notify'): void {
    this.emit('messages.upsert', { messages, type });
  }

  async sendMessage(jid: string, content: AnyMessageContent, options?: MiscMessageGenerationOptions): Promise<WAMessage | undefined> {
    if (this.state !== 'open') throw new Boom('Connection Closed', { statusCode: DisconnectReason.connectionClosed });
    if (this.failNextSend) {
      const error = this.failNextSend;
      this.failNextSend = undefined;
      throw error;
    }
    const message: WAMessage = {
      // Baileys uses options.messageId when given.
      key: { remoteJid: jid, fromMe: true, id: options?.messageId ?? `3EB0${randomBytes(8).toString('hex').toUpperCase()}` },
      message: toProtoMessage(content),
      messageTimestamp: Math.floor(Date.now() / 1000),
      status: WAMessageStatus.PENDING,
    };
    this.sent.push({ jid, content, message });
    this.emit('messages.upsert', { messages: [message], type: 'append' });
    return message;
  }

  async requestPairingCode(phoneNumber: string): Promise<string> {
    if (!/^\d{6,15}$/.test(phoneNumber)) throw new Boom('bad phone number', { statusCode: 400 });
    const code = randomBytes(4).toString('hex').toUpperCase();
    this.pairingCodes.push(code);
    return code;
  }

  async logout(): Promise<void> {
    this.end(disconnectError(DisconnectReason.loggedOut, 'Intentional Logout'));
  }

  end(error?: Error): void {
    if (this.ended) return;
    this.held = [];
    this.buffering = false;
    this.ended = true;
    this.state = 'close';
    this.emit('connection.update', { connection: 'close', lastDisconnect: { error, date: new Date() } });
  }
}

/** Just enough of Baileys' content → proto conversion for tests to read back what was sent. */
function toProtoMessage(content: AnyMessageContent): proto.IMessage {
  const c = content as Record<string, unknown>;
  if (typeof c.text === 'string') return { extendedTextMessage: { text: c.text } };
  if (c.location) return { locationMessage: c.location as proto.Message.ILocationMessage };
  if (c.react) return { reactionMessage: c.react as proto.Message.IReactionMessage };
  if (c.image) return { imageMessage: { caption: c.caption as string | undefined, mimetype: (c.mimetype as string) ?? 'image/jpeg' } };
  if (c.video) return { videoMessage: { caption: c.caption as string | undefined, mimetype: (c.mimetype as string) ?? 'video/mp4' } };
  if (c.audio) return { audioMessage: { mimetype: (c.mimetype as string) ?? 'audio/ogg' } };
  if (c.document) return { documentMessage: { mimetype: c.mimetype as string, fileName: c.fileName as string | undefined, caption: c.caption as string | undefined } };
  return { conversation: JSON.stringify(content) };
}
