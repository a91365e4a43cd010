import { normalizeMessageContent, proto, type WAMessage } from '@whiskeysockets/baileys';
import type { MessageContactCard, MessageDoc, MessageMedia, MessagePoll, MessageType } from '../models/message.ts';
import { isGroup, isLid, isNewsletter, isStatusBroadcast, userJid } from '../identity/jids.ts';
import type { MessageChange } from './messageChange.ts';
import { storedMessageId } from './messageKey.ts';
import { statusFromBaileys, statusRank } from './messageStatus.ts';
import { storedText } from './storedText.ts';

export interface SessionRef {
  organizationId: string;
  /** The session's name. */
  session: string;
}

/** Protobuf integers arrive as numbers or as Long objects ({low, high} with toNumber()). */
export function protoNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  if (value && typeof value === 'object') {
    const long = value as { toNumber?: () => number; low?: number; high?: number };
    if (typeof long.toNumber === 'function') return long.toNumber();
    if (typeof long.low === 'number' && typeof long.high === 'number') return long.high * 2 ** 32 + (long.low >>> 0);
  }
  return null;
}

/** Baileys' rule (getContentType), minus keys that carry no content of their own. */
function contentTypeOf(content: proto.IMessage): string | undefined {
  const record = content as Record<string, unknown>;
  return Object.keys(record).find(
    (k) => record[k] != null && (k === 'conversation' || k.includes('Message')) && k !== 'senderKeyDistributionMessage',
  );
}

interface Normalised {
  type: MessageType;
  rawType: string | null;
  text: string | null;
  media: MessageMedia | null;
  location: MessageDoc['location'];
  contacts: MessageContactCard[] | null;
  reaction: MessageDoc['reaction'];
  quotedMessageId: string | null;
  poll?: MessagePoll | null;
}

interface MediaLike {
  mimetype?: string | null;
  fileName?: string | null;
  title?: string | null;
  fileLength?: unknown;
  caption?: string | null;
  seconds?: number | null;
  width?: number | null;
  height?: number | null;
  ptt?: boolean | null;
  contextInfo?: proto.IContextInfo | null;
}

function mediaOf(m: MediaLike): MessageMedia {
  return {
    mimetype: storedText(m.mimetype),
    fileName: storedText(m.fileName ?? m.title),
    size: protoNumber(m.fileLength),
    caption: storedText(m.caption),
    seconds: typeof m.seconds === 'number' ? m.seconds : null,
    width: typeof m.width === 'number' ? m.width : null,
    height: typeof m.height === 'number' ? m.height : null,
  };
}

const EMPTY: Normalised = {
  type: 'unsupported', rawType: null, text: null, media: null, location: null, contacts: null, reaction: null, quotedMessageId: null,
};

/** The content of a message (wrappers such as ephemeral and view-once unwrapped) in the stored shape. */
export function normaliseContent(message: proto.IMessage | null | undefined, stubType?: number | null): Normalised {
  const content = normalizeMessageContent(message);
  const rawType = content ? contentTypeOf(content) : undefined;
  if (!content || !rawType) {
    return { ...EMPTY, rawType: stubType != null ? `messageStubType:${stubType}` : 'empty' };
  }
  const inner = (content as Record<string, unknown>)[rawType];
  const part = (inner && typeof inner === 'object' ? inner : {}) as MediaLike & Record<string, unknown>;
  const quotedMessageId = storedText(part.contextInfo?.stanzaId);
  const base = { ...EMPTY, quotedMessageId };
  switch (rawType) {
    case 'conversation':
      return { ...base, type: 'text', text: storedText(content.conversation) };
    case 'extendedTextMessage':
      return { ...base, type: 'text', text: storedText(part.text) };
    case 'imageMessage':
      return { ...base, type: 'image', text: storedText(part.caption), media: mediaOf(part) };
    case 'videoMessage':
    case 'ptvMessage':
      return { ...base, type: 'video', text: storedText(part.caption), media: mediaOf(part) };
    case 'audioMessage':
      return { ...base, type: part.ptt ? 'voice' : 'audio', media: mediaOf(part) };
    case 'documentMessage':
      return { ...base, type: 'document', text: storedText(part.caption), media: mediaOf(part) };
    case 'stickerMessage':
      return { ...base, type: 'sticker', media: mediaOf(part) };
    case 'locationMessage':
    case 'liveLocationMessage': {
      const latitude = Number(part.degreesLatitude);
      const longitude = Number(part.degreesLongitude);
      if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) return { ...base, rawType };
      return {
        ...base,
        type: 'location',
        text: storedText(part.caption),
        location: { latitude, longitude, name: storedText(part.name), address: storedText(part.address) },
      };
    }
    case 'contactMessage':
      return {
        ...base,
        type: 'contact',
        text: storedText(part.displayName),
        contacts: [{ displayName: storedText(part.displayName), vcard: storedText(part.vcard) }],
      };
    case 'contactsArrayMessage': {
      const list = Array.isArray(part.contacts) ? (part.contacts as proto.Message.IContactMessage[]) : [];
      return {
        ...base,
        type: 'contact',
        text: storedText(part.displayName),
        contacts: list.map((c) => ({ displayName: storedText(c.displayName), vcard: storedText(c.vcard) })),
      };
    }
    case 'reactionMessage': {
      const reaction = part as proto.Message.IReactionMessage;
      const emoji = storedText(reaction.text) ?? '';
      // An empty emoji is WhatsApp's way of removing a reaction.
      return { ...base, type: 'reaction', text: emoji, reaction: { messageId: storedText(reaction.key?.id), emoji } };
    }
    case 'pollCreationMessage':
    case 'pollCreationMessageV2':
    case 'pollCreationMessageV3': {
      const poll = part as proto.Message.IPollCreationMessage;
      const secret = content.messageContextInfo?.messageSecret ?? message?.messageContextInfo?.messageSecret;
      return {
        ...base,
        type: 'poll',
        text: storedText(poll.name),
        poll: {
          name: storedText(poll.name),
          options: (poll.options ?? []).map((o) => storedText(o.optionName) ?? ''),
          selectableCount: typeof poll.selectableOptionsCount === 'number' ? poll.selectableOptionsCount : 0,
          secret: secret && secret.length > 0 ? Buffer.from(secret).toString('base64') : null,
          votes: [],
        },
      };
    }
    default:
      return { ...base, rawType };
  }
}

/**
 * Who a message is between, resolved by the sink from the key and the LID directory: phone-number
 * JIDs whenever they are known, with the LID beside them.
 */
export interface MessageIdentity {
  chat: string;
  chatLid: string | null;
  from: string | null;
  fromLid: string | null;
}

/** What a stanza Baileys emitted in messages.upsert is to the bridge. */
export type InboundItem =
  | { kind: 'message'; doc: MessageDoc }
  | { kind: 'change'; change: MessageChange }
  | { kind: 'ignored'; reason: IgnoredReason };

/** Stanzas that are not messages of a chat; counted, never stored or announced. */
export type IgnoredReason = 'no_key' | 'status_broadcast' | 'newsletter' | 'protocol' | 'sender_key' | 'notice' | 'empty';

export interface InboundOptions {
  /** Keep status posts (status@broadcast) as messages. */
  statusBroadcasts?: boolean;
  /** Keep channel (newsletter) posts as messages. */
  newsletters?: boolean;
}

/** Baileys' placeholder for a message it could not decrypt (it asks the sender to retry). */
const CIPHERTEXT = proto.WebMessageInfo.StubType.CIPHERTEXT;

function millis(value: unknown, fallback: Date): Date {
  const ms = protoNumber(value);
  return ms ? new Date(ms) : fallback;
}

/**
 * Sorts a Baileys WAMessage into what it is for a user: a message of a chat (stored; a
 * placeholder when it could not be decrypted yet), a change to an earlier message (edit,
 * revoke, reaction, poll vote), or noise (protocol messages, sender keys, group notices,
 * status and channel posts unless asked for).
 */
export function classifyInbound(
  ref: SessionRef,
  message: WAMessage,
  identity: MessageIdentity,
  now: Date = new Date(),
  options: InboundOptions = {},
): InboundItem {
  const remoteJid = storedText(message.key?.remoteJid);
  const messageId = storedText(message.key?.id);
  if (!remoteJid || !messageId) return { kind: 'ignored', reason: 'no_key' };
  if (isStatusBroadcast(remoteJid) && !options.statusBroadcasts) return { kind: 'ignored', reason: 'status_broadcast' };
  if (isNewsletter(remoteJid) && !options.newsletters) return { kind: 'ignored', reason: 'newsletter' };
  const fromMe = message.key.fromMe === true;
  const seconds = protoNumber(message.messageTimestamp);
  const timestamp = seconds ? new Date(seconds * 1000) : now;
  const content = normalizeMessageContent(message.message);
  const base = { organizationId: ref.organizationId, session: ref.session };

  const protocol = content?.protocolMessage;
  if (protocol) {
    const targetId = storedText(protocol.key?.id);
    // Edits and revokes name a message of the same chat, sent by whoever sends this one.
    const target = { ...base, messageId: targetId ?? '', fromMe };
    if (targetId && protocol.type === proto.Message.ProtocolMessage.Type.MESSAGE_EDIT && protocol.editedMessage) {
      const edited = normaliseContent(protocol.editedMessage);
      return { kind: 'change', change: { kind: 'edit', ...target, text: edited.text, editedAt: millis(protocol.timestampMs, timestamp), changeId: messageId } };
    }
    if (targetId && protocol.type === proto.Message.ProtocolMessage.Type.REVOKE) {
      return { kind: 'change', change: { kind: 'revoke', ...target, by: identity.from, deletedAt: timestamp, changeId: messageId } };
    }
    return { kind: 'ignored', reason: 'protocol' };
  }
  if (content?.reactionMessage) {
    const key = content.reactionMessage.key;
    const targetId = storedText(key?.id);
    if (!targetId) return { kind: 'ignored', reason: 'empty' };
    return {
      kind: 'change',
      change: {
        kind: 'reaction',
        ...base,
        messageId: targetId,
        fromMe: key?.fromMe === true,
        from: identity.from ?? identity.chat,
        emoji: storedText(content.reactionMessage.text) ?? '',
        timestamp: millis(content.reactionMessage.senderTimestampMs, timestamp),
        changeId: messageId,
      },
    };
  }
  if (content?.pollUpdateMessage) {
    const update = content.pollUpdateMessage;
    const targetId = storedText(update.pollCreationMessageKey?.id);
    if (!targetId || !update.vote?.encPayload || !update.vote.encIv) return { kind: 'ignored', reason: 'empty' };
    return {
      kind: 'change',
      change: {
        kind: 'vote',
        ...base,
        messageId: targetId,
        fromMe: update.pollCreationMessageKey?.fromMe === true,
        voter: identity.from ?? identity.chat,
        encPayload: Buffer.from(update.vote.encPayload).toString('base64'),
        encIv: Buffer.from(update.vote.encIv).toString('base64'),
        timestamp: millis(update.senderTimestampMs, timestamp),
        changeId: messageId,
      },
    };
  }

  const placeholder = message.messageStubType === CIPHERTEXT && !content;
  // The account's own phone talking to this device (history sync, app-state keys): never a chat
  // message, and Baileys asks no retry for it (category "peer").
  if (placeholder && (message as { category?: string }).category === 'peer') return { kind: 'ignored', reason: 'protocol' };
  const normalised = normaliseContent(message.message, message.messageStubType);
  if (!placeholder && normalised.rawType !== null && (normalised.rawType === 'empty' || normalised.rawType.startsWith('messageStubType:'))) {
    // A stub (group notices: joined, left, subject changed …) or nothing but a sender key.
    if (message.messageStubType) return { kind: 'ignored', reason: 'notice' };
    return { kind: 'ignored', reason: message.message?.senderKeyDistributionMessage ? 'sender_key' : 'empty' };
  }
  const status = statusFromBaileys(message.status) ?? (fromMe ? 'sent' : 'delivered');
  const key = { ...base, messageId, fromMe };
  const doc: MessageDoc = {
    _id: storedMessageId(key),
    ...key,
    chat: identity.chat,
    chatLid: identity.chatLid,
    from: identity.from,
    fromLid: identity.fromLid,
    pushName: storedText(message.pushName),
    direction: fromMe ? 'out' : 'in',
    ...normalised,
    poll: normalised.poll ?? null,
    status,
    statusRank: statusRank(status),
    timestamp,
    createdAt: now,
    decryption: placeholder ? 'pending' : null,
    ...(fromMe && message.message ? { wire: Buffer.from(proto.Message.encode(message.message).finish()).toString('base64') } : {}),
  };
  if (placeholder) doc.rawType = 'ciphertext';
  return { kind: 'message', doc };
}

/**
 * The identity a key gives without any lookup: the chat and sender as addressed, their
 * alternative address (remoteJidAlt / participantAlt) beside them, a LID swapped for the phone
 * number when the key carries both, and `me` as the sender of your own messages.
 */
export function identityFromKey(key: WAMessage['key'], me: { pn: string | null; lid: string | null } = { pn: null, lid: null }): MessageIdentity {
  const remoteJid = userJid(key.remoteJid) ?? '';
  const group = isGroup(remoteJid) || isStatusBroadcast(remoteJid);
  const pair = (jid: string | null, alt: string | null) =>
    isLid(jid) ? { pn: alt && !isLid(alt) ? alt : null, lid: jid } : { pn: jid, lid: isLid(alt) ? alt : null };
  const chat = group ? { pn: remoteJid, lid: null } : pair(remoteJid, userJid(key.remoteJidAlt));
  const sender = key.fromMe
    ? me
    : group
      ? pair(userJid(key.participant), userJid(key.participantAlt))
      : chat;
  return {
    chat: chat.pn ?? chat.lid ?? remoteJid,
    chatLid: chat.lid,
    from: sender.pn ?? sender.lid ?? null,
    fromLid: sender.lid,
  };
}

/** A WAMessage as the stored document, or null when it is not a message of a chat (tests, seeding). */
export function normaliseMessage(ref: SessionRef, message: WAMessage, now: Date = new Date(), me?: { pn: string | null; lid: string | null }): MessageDoc | null {
  if (!message.key?.remoteJid) return null;
  const item = classifyInbound(ref, message, identityFromKey(message.key, me), now);
  return item.kind === 'message' ? item.doc : null;
}
