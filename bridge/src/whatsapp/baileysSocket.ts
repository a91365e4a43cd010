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
    ...(options.waWebSocketUrl ? { waWebSocketUrl: options.waWebSocketUrl } : {}),
    getMessage: async (key) => {
      const wire = await options.getMessage?.(key).catch(() => undefined);
      return wire ? proto.Message.decode(wire) : undefined;
    },
    ...(options.cachedGroupMetadata ? { cachedGroupMetadata: options.cachedGroupMetadata as never } : {}),
  });

  releaseBufferedMessages(socket.ev);

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
