import type { AnyMessageContent, MiscMessageGenerationOptions, WAMessage } from '@whiskeysockets/baileys';
import type { WhatsAppSocket } from '../whatsapp/socket.ts';
import type { HistorySync } from '../models/session.ts';

/** Who a socket belongs to, handed to everything that listens to it. */
export interface SessionContext {
  organizationId: string;
  /** The session document's id. */
  sessionId: string;
  sessionName: string;
  /** The session's history-sync setting when its socket was made (`full` is asked for at pairing). */
  history?: HistorySync;
}

/**
 * Sends through a session's live socket, wherever it is owned (this instance or another).
 * Throws ApiError 404 `session_not_found` for an unknown session and 409 `session_not_connected`
 * (details: { status }) when it is not connected.
 */
export interface SessionGateway {
  sendMessage(
    organizationId: string,
    sessionName: string,
    jid: string,
    content: AnyMessageContent,
    options?: MiscMessageGenerationOptions,
  ): Promise<WAMessage>;
}

/**
 * Listens to a session's socket (messages, receipts, contacts). The session manager attaches every
 * sink when it creates a socket and calls the returned function when the socket goes away, so a
 * closed session keeps no listeners.
 */
export interface SocketEventSink {
  /** Returns the detach; it may resolve later, once what the socket emitted last is handed on. */
  attach(context: SessionContext, socket: WhatsAppSocket): () => void | Promise<void>;
}
