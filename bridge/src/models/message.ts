import { Schema, type Connection, type Model } from 'mongoose';

export const MESSAGE_TYPES = [
  'text', 'image', 'video', 'audio', 'voice', 'document', 'sticker', 'location', 'contact', 'reaction', 'unsupported',
] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export const MESSAGE_STATUSES = ['error', 'pending', 'sent', 'delivered', 'read', 'played'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export interface MessageMedia {
  mimetype: string | null;
  fileName: string | null;
  size: number | null;
  caption: string | null;
  seconds: number | null;
  width: number | null;
  height: number | null;
}

export interface MessageLocation {
  latitude: number;
  longitude: number;
  name: string | null;
  address: string | null;
}

export interface MessageContactCard {
  displayName: string | null;
  vcard: string | null;
}

export interface MessageReaction {
  messageId: string | null;
  emoji: string;
}

/**
 * A stored message. `_id` is derived from the unique key (organization, session, chat, messageId,
 * fromMe), so every writer (socket sink, retry worker, send route) computes the same id, an
 * insert of it is idempotent, and the primary key enforces the uniqueness.
 */
export interface MessageDoc {
  _id: string;
  organizationId: string;
  /** The session's name. */
  session: string;
  chat: string;
  messageId: string;
  fromMe: boolean;
  from: string | null;
  pushName: string | null;
  direction: 'in' | 'out';
  type: MessageType;
  /** WhatsApp's own name for the content (e.g. `pollCreationMessage`) when `type` is unsupported. */
  rawType: string | null;
  text: string | null;
  media: MessageMedia | null;
  location: MessageLocation | null;
  contacts: MessageContactCard[] | null;
  reaction: MessageReaction | null;
  quotedMessageId: string | null;
  status: MessageStatus;
  /** Position of `status` in MESSAGE_STATUSES; updates only ever raise it. */
  statusRank: number;
  timestamp: Date;
  createdAt: Date;
}

const messageSchema = new Schema<MessageDoc>(
  {
    _id: { type: String, required: true },
    organizationId: { type: String, required: true },
    session: { type: String, required: true },
    chat: { type: String, required: true },
    messageId: { type: String, required: true },
    fromMe: { type: Boolean, required: true },
    from: { type: String, default: null },
    pushName: { type: String, default: null },
    direction: { type: String, enum: ['in', 'out'], required: true },
    type: { type: String, enum: MESSAGE_TYPES, required: true },
    rawType: { type: String, default: null },
    text: { type: String, default: null },
    media: { type: Schema.Types.Mixed, default: null },
    location: { type: Schema.Types.Mixed, default: null },
    contacts: { type: Schema.Types.Mixed, default: null },
    reaction: { type: Schema.Types.Mixed, default: null },
    quotedMessageId: { type: String, default: null },
    status: { type: String, enum: MESSAGE_STATUSES, required: true },
    statusRank: { type: Number, required: true },
    timestamp: { type: Date, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, minimize: false },
);

// Invariant 1 (one document per message, however often WhatsApp delivers it) is the _id's: it is
// derived from the unique key (messageKey.ts), so a second insert of a message is a duplicate
// _id. A unique index on the key's fields would only repeat that, at a price on every insert.
// Listing is newest first with (timestamp, _id) as the keyset. Every listing index ends in that
// pair, so whichever one the planner picks for the equality filters it walks in sort order and
// stops at `limit` (no in-memory sort); the remaining filters are applied to the fetched docs.
messageSchema.index({ organizationId: 1, timestamp: -1, _id: -1 });
messageSchema.index({ organizationId: 1, session: 1, timestamp: -1, _id: -1 });
messageSchema.index({ organizationId: 1, session: 1, chat: 1, timestamp: -1, _id: -1 });
messageSchema.index({ organizationId: 1, chat: 1, timestamp: -1, _id: -1 });
messageSchema.index({ organizationId: 1, type: 1, timestamp: -1, _id: -1 });
messageSchema.index({ organizationId: 1, direction: 1, timestamp: -1, _id: -1 });

export function messageModel(connection: Connection): Model<MessageDoc> {
  return connection.model<MessageDoc>('Message', messageSchema, 'messages');
}
