import type { MessageDoc } from '../models/message.ts';
import { iso } from '../infra/isoTime.ts';

/** The API's message shape (DESIGN.md), also the `data` of message events. */
export interface MessageView {
  id: string;
  session: string;
  messageId: string;
  chat: string;
  chatLid: string | null;
  chatName: string | null;
  from: string | null;
  fromLid: string | null;
  fromMe: boolean;
  direction: 'in' | 'out';
  type: MessageDoc['type'];
  text: string | null;
  media: MessageDoc['media'];
  location: MessageDoc['location'];
  quotedMessageId: string | null;
  status: MessageDoc['status'];
  timestamp: string;
  createdAt: string;
  pushName: string | null;
  contacts: MessageDoc['contacts'];
  reaction: MessageDoc['reaction'];
  rawType: string | null;
  /** Set when the text was edited; `edits` holds the earlier texts, oldest first. */
  editedAt: string | null;
  edits: Array<{ text: string | null; editedAt: string }>;
  /** Set when the sender deleted it for everyone (the content is kept). */
  deletedAt: string | null;
  reactions: Array<{ from: string; emoji: string; timestamp: string }>;
  poll: { name: string | null; options: string[]; selectableCount: number; votes: Array<{ voter: string; options: string[]; timestamp: string }> } | null;
  /** `failed`: WhatsApp never delivered a copy the bridge could decrypt (see message.undecryptable). */
  decryption: 'failed' | 'pending' | null;
}

export function messageView(doc: MessageDoc): MessageView {
  return {
    id: doc._id,
    session: doc.session,
    messageId: doc.messageId,
    chat: doc.chat,
    chatLid: doc.chatLid ?? null,
    chatName: doc.chatName ?? null,
    from: doc.from ?? null,
    fromLid: doc.fromLid ?? null,
    fromMe: doc.fromMe,
    direction: doc.direction,
    type: doc.type,
    text: doc.text ?? null,
    media: doc.media ?? null,
    location: doc.location ?? null,
    quotedMessageId: doc.quotedMessageId ?? null,
    status: doc.status,
    timestamp: iso(doc.timestamp),
    createdAt: iso(doc.createdAt),
    pushName: doc.pushName ?? null,
    contacts: doc.contacts ?? null,
    reaction: doc.reaction ?? null,
    rawType: doc.rawType ?? null,
    editedAt: doc.editedAt ? iso(doc.editedAt) : null,
    edits: (doc.edits ?? []).map((e) => ({ text: e.text ?? null, editedAt: iso(e.editedAt) })),
    deletedAt: doc.deletedAt ? iso(doc.deletedAt) : null,
    reactions: (doc.reactions ?? []).map((r) => ({ from: r.from, emoji: r.emoji, timestamp: iso(r.timestamp) })),
    // The secret stays in the database: it would let anyone decrypt the votes.
    poll: doc.poll
      ? {
          name: doc.poll.name,
          options: doc.poll.options,
          selectableCount: doc.poll.selectableCount,
          votes: doc.poll.votes.map((v) => ({ voter: v.voter, options: v.options, timestamp: iso(v.timestamp) })),
        }
      : null,
    decryption: doc.decryption ?? null,
  };
}
