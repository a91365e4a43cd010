import { Browsers, makeWASocket, proto } from '@whiskeysockets/baileys';
import { withDeadline } from '../infra/deadline.ts';
import type { SocketEventEmitter, SocketFactory, WhatsAppSocket } from './socket.ts';

const CONNECT_TIMEOUT_MS = 20_000;
const QUERY_TIMEOUT_MS = 30_000;
const CALL_TIMEOUT_MS = 30_000;
/** A LID lookup may ask WhatsApp (USync); the message waits for it only this long. */
const LID_LOOKUP_MS = 3_000;

/**
 * The WhatsApp socket over Baileys, set up as Baileys' README asks: getMessage answers retry
 * receipts from the store, cachedGroupMetadata spares a metadata query per group send, and
 * history sync stays on (`shouldSyncHistoryMessage`: with `syncFullHistory: false` alone Baileys 7
 * drops every history notification, and the LID mappings and group data they carry). The bridge
 * never prints QR codes (they go to Redis), never marks the account online (the phone keeps
 * getting notifications), and logs Baileys' own chatter only from warn up. Every call has a deadline.
 */
export const baileysSocketFactory: SocketFactory = (options) => {
  const full = options.syncFullHistory === true;
  const socket = makeWASocket({
    auth: options.auth,
    logger: options.logger.child({ component: 'baileys' }, { level: 'warn' }),
    printQRInTerminal: false,
    markOnlineOnConnect: false,
    browser: Browsers.ubuntu('Chrome'),
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
    defaultQueryTimeoutMs: QUERY_TIMEOUT_MS,
    syncFullHistory: full,
    shouldSyncHistoryMessage: ({ syncType }) => full || syncType !== proto.HistorySync.HistorySyncType.FULL,
    ...(options.version ? { version: options.version } : {}),
    ...(options.qrTimeoutMs ? { qrTimeout: options.qrTimeoutMs } : {}),
    ...(options.waWebSocketUrl ? { waWebSocketUrl: options.waWebSocketUrl } : {}),
    getMessage: async (key) => {
      const wire = await options.getMessage?.(key).catch(() => undefined);
      return wire ? proto.Message.decode(wire) : undefined;
    },
    ...(options.cachedGroupMetadata ? { cachedGroupMetadata: options.cachedGroupMetadata as never } : {}),
  });

  releaseBufferedMessages(socket.ev);
  sendAfterTheTick(socket.ws as unknown as { socket: FrameSender | null });

  const wrapped: WhatsAppSocket = {
    // Baileys' emitter has the same on/off/removeAllListeners, typed over all its events.
    ev: socket.ev as unknown as SocketEventEmitter,
    get user() {
      return socket.user ? { id: socket.user.id, lid: socket.user.lid, name: socket.user.name ?? socket.user.notify } : undefined;
    },
    phoneNumberForLid: (lid) => withDeadline(socket.signalRepository.lidMapping.getPNForLID(lid), LID_LOOKUP_MS, 'Baileys LID lookup'),
    groupMetadata: (jid) => withDeadline(socket.groupMetadata(jid), CALL_TIMEOUT_MS, 'WhatsApp groupMetadata'),
    flush: () => {
      socket.ev.flush();
    },
    sendMessage: (jid, content, sendOptions) => withDeadline(socket.sendMessage(jid, content, sendOptions), CALL_TIMEOUT_MS, 'WhatsApp sendMessage'),
    requestPairingCode: (phoneNumber) => withDeadline(socket.requestPairingCode(phoneNumber), CALL_TIMEOUT_MS, 'WhatsApp requestPairingCode'),
    logout: () => withDeadline(socket.logout(), CALL_TIMEOUT_MS, 'WhatsApp logout'),
    end(error) {
      void socket.end(error).catch(() => undefined);
    },
  };
  return wrapped;
};

/**
 * Baileys holds events back while it works through what WhatsApp queued for the device (at every
 * login until the offline count is in; on a first link up to 20 s, waiting for history), and it
 * has acknowledged those messages already (messages-recv.js: sendReceipt, then upsertMessage): a
 * crash in that window would lose them. So a message upsert that Baileys buffers is released at
 * once, in the same call, and reaches the bridge's listeners (and its journal) before anything
 * else runs. Baileys calls `ev.emit` through the emitter object, so wrapping it there takes effect.
 */
function releaseBufferedMessages(ev: ReturnType<typeof makeWASocket>['ev']): void {
  const emit = ev.emit.bind(ev);
  ev.emit = ((event: string, data: unknown) => {
    const result = (emit as (event: string, data: unknown) => boolean)(event, data);
    if (event === 'messages.upsert' && ev.isBuffering()) ev.flush();
    return result;
  }) as typeof ev.emit;
}

interface FrameSender {
  send(data: unknown, cb?: (error?: Error) => void): void;
  readyState: number;
}

/**
 * Baileys sends a message's delivery receipt before it emits the message (messages-recv.js:
 * `await sendReceipt(...)`, then `upsertMessage`), and the receipt's write completes a tick or
 * more before Baileys goes on: a process killed in between has acknowledged a message that never
 * reached the bridge, and WhatsApp will not send it again. So the frames Baileys writes leave on
 * the next turn of the event loop instead, in order, and Baileys is told at once that they are
 * written: a receipt is on the wire only after the upsert Baileys emits right behind it reached
 * the bridge's listeners (and its journal). A frame whose connection closed meanwhile is dropped,
 * as it would have been on the wire; nothing Baileys waits for depends on the write itself.
 */
function sendAfterTheTick(client: { socket: FrameSender | null }): void {
  const ws = client.socket;
  if (!ws) return;
  const send = ws.send.bind(ws);
  let queued: unknown[] = [];
  const flush = () => {
    const frames = queued;
    queued = [];
    // 1: OPEN. Closed meanwhile: dropped, as a write into a closing socket would be.
    if (ws.readyState !== 1) return;
    for (const frame of frames) send(frame);
  };
  ws.send = (data, cb) => {
    if (queued.length === 0) setImmediate(flush);
    queued.push(data);
    cb?.();
  };
}
