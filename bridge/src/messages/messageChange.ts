import type { MessageKey } from './messageKey.ts';

/** A change WhatsApp sends about an earlier message: applied to it, announced as its own event. */
export type MessageChange = MessageKey & { /** The id of the stanza that carried the change (dedupes its event). */ changeId: string } & (
    | { kind: 'edit'; text: string | null; editedAt: Date }
    | { kind: 'revoke'; by: string | null; deletedAt: Date }
    | { kind: 'reaction'; from: string; emoji: string; timestamp: Date }
    /** The vote still encrypted (base64): the store decrypts it with the poll's secret. */
    | { kind: 'vote'; voter: string; encPayload: string; encIv: string; timestamp: Date }
  );

/** Job data went through JSON: dates come back as strings. */
export function reviveChange(change: MessageChange): MessageChange {
  switch (change.kind) {
    case 'edit':
      return { ...change, editedAt: new Date(change.editedAt) };
    case 'revoke':
      return { ...change, deletedAt: new Date(change.deletedAt) };
    case 'reaction':
    case 'vote':
      return { ...change, timestamp: new Date(change.timestamp) };
  }
}
