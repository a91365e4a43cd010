import { createHash } from 'node:crypto';

/**
 * What makes a message unique (DESIGN invariant 1): WhatsApp's id and its direction, within a
 * session. The chat is not part of it: WhatsApp addresses one conversation by phone number or by
 * LID, and a message, its retry, its receipts and its edits must meet in one document whichever
 * address each of them arrived on.
 */
export interface MessageKey {
  organizationId: string;
  session: string;
  messageId: string;
  fromMe: boolean;
}

function digestOf(parts: string[]): string {
  return `msg_${createHash('sha256').update(parts.join('\u0001')).digest('hex').slice(0, 24)}`;
}

/**
 * The stored id of a message, derived from its unique key: the socket sink, the retry worker and
 * the send route all arrive at the same `_id`, and a redelivery finds the same document.
 */
export function storedMessageId(key: MessageKey): string {
  return digestOf([key.organizationId, key.session, key.messageId, key.fromMe ? '1' : '0', 'v2']);
}

/**
 * The id earlier versions derived with the chat in the key. Still used for the rare message whose
 * WhatsApp id another chat already used (two different messages are never merged), and by the
 * migration to find what it renames.
 */
export function chatScopedMessageId(key: MessageKey & { chat: string }): string {
  return digestOf([key.organizationId, key.session, key.chat, key.messageId, key.fromMe ? '1' : '0']);
}
