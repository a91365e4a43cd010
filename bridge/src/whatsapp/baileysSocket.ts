import { Browsers, makeWASocket } from '@whiskeysockets/baileys';
import { withDeadline } from '../infra/deadline.ts';
import type { SocketEventEmitter, SocketFactory, WhatsAppSocket } from './socket.ts';

const CONNECT_TIMEOUT_MS = 20_000;
const QUERY_TIMEOUT_MS = 30_000;
const CALL_TIMEOUT_MS = 30_000;

/**
 * The WhatsApp socket over Baileys. The bridge never prints QR codes (they go to Redis), never
 * marks the account online (the phone keeps getting notifications), and logs Baileys' own
 * chatter only from warn up. Every call has a deadline; Baileys' queries have their own.
 */
export const baileysSocketFactory: SocketFactory = (options) => {
  const socket = makeWASocket({
    auth: options.auth,
    logger: options.logger.child({ component: 'baileys' }, { level: 'warn' }),
    printQRInTerminal: false,
    markOnlineOnConnect: false,
    browser: Browsers.ubuntu('Chrome'),
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
    defaultQueryTimeoutMs: QUERY_TIMEOUT_MS,
    syncFullHistory: false,
    ...(options.waWebSocketUrl ? { waWebSocketUrl: options.waWebSocketUrl } : {}),
  });

  const wrapped: WhatsAppSocket = {
    // Baileys' emitter has the same on/off/removeAllListeners, typed over all its events.
    ev: socket.ev as unknown as SocketEventEmitter,
    get user() {
      return socket.user ? { id: socket.user.id, name: socket.user.name ?? socket.user.notify } : undefined;
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
