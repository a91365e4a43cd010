import type { MessageDoc } from '../models/message.ts';
import { iso } from '../infra/isoTime.ts';

/** The API's message shape (DESIGN.md), also the `data` of message events. */
export interface MessageView {
  id: string;
  session: string;
  messageId: string;
  chat: string;
  from: string | null;
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
}

export function messageView(doc: MessageDoc): MessageView {
  return {
    id: doc._id,
    session: doc.session,
    messageId: doc.messageId,
    chat: doc.chat,
    from: doc.from ?? null,
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
  };
}
