import { createHash } from 'node:crypto';

/** What makes a message unique (DESIGN invariant 1). */
export interface MessageKey {
  organizationId: string;
  session: string;
  chat: string;
  messageId: string;
  fromMe: boolean;
}

/**
 * The stored id of a message, derived from its unique key: the socket sink, the retry worker and
 * the send route all arrive at the same `_id`, and a redelivery upserts the same document.
 */
export function storedMessageId(key: MessageKey): string {
  const digest = createHash('sha256')
    .update([key.organizationId, key.session, key.chat, key.messageId, key.fromMe ? '1' : '0'].join('\u0001'))
    .digest('hex');
  return `msg_${digest.slice(0, 24)}`;
}
