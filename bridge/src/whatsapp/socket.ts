import type {
  AnyMessageContent,
  AuthenticationState,
  BaileysEventMap,
  GroupMetadata,
  MiscMessageGenerationOptions,
  WAMessage,
} from '@whiskeysockets/baileys';
import type { Logger } from '../infra/logger.ts';

/**
 * The one boundary between the bridge and WhatsApp. Everything above it (sessions, messages,
 * contacts) talks to this interface; `baileysSocket.ts` implements it with Baileys, and tests use
 * an in-process fake that emits the same events with Baileys' own shapes.
 */
export type SocketEvents = Pick<
  BaileysEventMap,
  | 'connection.update'
  | 'creds.update'
  | 'messages.upsert'
  | 'messages.update'
  | 'message-receipt.update'
  | 'contacts.upsert'
  | 'contacts.update'
  | 'messaging-history.set'
  | 'lid-mapping.update'
  | 'groups.update'
  | 'groups.upsert'
>;

export type SocketEventName = keyof SocketEvents;

export interface SocketEventEmitter {
  on<E extends SocketEventName>(event: E, listener: (arg: SocketEvents[E]) => void): void;
  off<E extends SocketEventName>(event: E, listener: (arg: SocketEvents[E]) => void): void;
  removeAllListeners(event?: SocketEventName): void;
}

export interface WhatsAppSocket {
  readonly ev: SocketEventEmitter;
  /** The logged-in account (`id` is the user's JID), once known. */
  readonly user: { id: string; lid?: string; name?: string } | undefined;
  /** The phone-number JID Baileys' own LID store knows for a LID (signalRepository.lidMapping). */
  phoneNumberForLid?(lid: string): Promise<string | null>;
  /** A group's subject and participants, asked of WhatsApp. */
  groupMetadata?(jid: string): Promise<GroupMetadata>;
  /** Emits every event Baileys holds in its buffer now (before the socket ends, which would drop them). */
  flush?(): void;
  sendMessage(jid: string, content: AnyMessageContent, options?: MiscMessageGenerationOptions): Promise<WAMessage | undefined>;
  /** Pair by phone number instead of QR: returns the 8-character code to type on the phone. */
  requestPairingCode(phoneNumber: string): Promise<string>;
  /** Logs the device out on WhatsApp's side (the session must be paired again). */
  logout(): Promise<void>;
  /** Closes the connection; emits a final `connection.update` with `connection: 'close'`. */
  end(error?: Error): void;
}

export interface SocketOptions {
  auth: AuthenticationState;
  /** Which session this socket serves (`<organizationId>/<name>`), for logs and tests. */
  label: string;
  logger: Logger;
  /** Overrides WhatsApp Web's socket address (WA_WEBSOCKET_URL, the sandbox simulator). */
  waWebSocketUrl?: string;
  /** WhatsApp Web version to announce ([major, minor, patch]); Baileys' pinned one when absent. */
  version?: [number, number, number];
  /** Answers a contact's retry receipt: the content of a message this session sent. */
  getMessage?: (key: { remoteJid?: string | null; id?: string | null; fromMe?: boolean | null }) => Promise<Uint8Array | undefined>;
  /** Group metadata the bridge has cached (Baileys asks before each group send). */
  cachedGroupMetadata?: (jid: string) => Promise<unknown>;
  /** Ask for the full history on first link (WA_HISTORY_SYNC=full). */
  syncFullHistory?: boolean;
  /** How long each QR code is shown (Baileys' qrTimeout); Baileys' 60 s, then 20 s, when absent. */
  qrTimeoutMs?: number;
}

export type SocketFactory = (options: SocketOptions) => WhatsAppSocket;
