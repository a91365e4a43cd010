import { Schema, type Connection, type Model } from 'mongoose';

export const MESSAGE_TYPES = [
  'text', 'image', 'video', 'audio', 'voice', 'document', 'sticker', 'location', 'contact', 'reaction', 'poll', 'unsupported',
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

/** A reaction someone put on this message (the latest per person; an empty emoji is removed). */
export interface ReactionOnMessage {
  from: string;
  emoji: string;
  timestamp: Date;
}

/** An earlier text of an edited message. */
export interface MessageEdit {
  text: string | null;
  /** When it was replaced. */
  editedAt: Date;
}

export interface MessagePoll {
  name: string | null;
  options: string[];
  selectableCount: number;
  /** Base64 of the poll's messageSecret: decrypts its votes. Never shown through the API. */
  secret: string | null;
  /** Each voter's current choice. */
  votes: Array<{ voter: string; options: string[]; timestamp: Date }>;
}

/** `pending`: WhatsApp's copy could not be decrypted yet (a placeholder); `failed`: it never came. */
export type DecryptionState = 'pending' | 'failed';

/**
 * A stored message. `_id` is derived from the unique key (organization, session, messageId,
 * fromMe; messageKey.ts), so every writer (socket sink, retry worker, send route) computes the same
 * id, an insert of it is idempotent, and the primary key enforces the uniqueness.
 */
export interface MessageDoc {
  _id: string;
  organizationId: string;
  /** The session's name. */
  session: string;
  /** The conversation: a group JID, or the contact's phone-number JID whenever it is known (else its LID). */
  chat: string;
  /** The contact's LID (`…@lid`) beside `chat`, when known; null for groups and unknown. */
  chatLid?: string | null;
  /** A group's subject (from cached group metadata). */
  chatName?: string | null;
  messageId: string;
  fromMe: boolean;
  /** The sender: the contact (1:1), the participant (group), your own number (fromMe); phone-number JID when known. */
  from: string | null;
  fromLid?: string | null;
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
  decryption?: DecryptionState | null;
  edits?: MessageEdit[];
  editedAt?: Date | null;
  deletedAt?: Date | null;
  reactions?: ReactionOnMessage[];
  poll?: MessagePoll | null;
  /** The encoded WhatsApp message (sent messages only): answers a contact's retry (getMessage). */
  wire?: string | null;
  /** The id this message had before the migration to ids without the chat (GET still finds it). */
  legacyId?: string;
  /**
   * Set when the message is stored and removed once its event is recorded: a write that stopped in
   * between (a crash, kill -9) leaves the mark, and the inbound worker's sweep records the event.
   */
  unannounced?: true;
}

const messageSchema = new Schema<MessageDoc>(
  {
    _id: { type: String, required: true },
    organizationId: { type: String, required: true },
    session: { type: String, required: true },
    chat: { type: String, required: true },
    messageId: { type: String, required: true },
    fromMe: { type: Boolean, required: true },
    chatLid: { type: String, default: null },
    chatName: { type: String, default: null },
    from: { type: String, default: null },
    fromLid: { type: String, default: null },
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
    decryption: { type: String, enum: ['pending', 'failed', null], default: null },
    edits: { type: Schema.Types.Mixed, default: undefined },
    editedAt: { type: Date, default: null },
    deletedAt: { type: Date, default: null },
    reactions: { type: Schema.Types.Mixed, default: undefined },
    poll: { type: Schema.Types.Mixed, default: null },
    wire: { type: String, default: null },
    legacyId: { type: String, default: undefined },
    unannounced: { type: Boolean, default: undefined },
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
// Only documents the id migration renamed have it: GET /v1/messages/<old id> keeps working.
messageSchema.index({ legacyId: 1 }, { partialFilterExpression: { legacyId: { $exists: true } } });
// Only messages stored but not yet announced are in it (for a moment, or after a crash): the sweep's.
messageSchema.index({ unannounced: 1, createdAt: 1 }, { partialFilterExpression: { unannounced: true } });

export function messageModel(connection: Connection): Model<MessageDoc> {
  return connection.model<MessageDoc>('Message', messageSchema, 'messages');
}
