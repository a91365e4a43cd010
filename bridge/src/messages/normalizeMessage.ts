import { normalizeMessageContent, type WAMessage, type proto } from '@whiskeysockets/baileys';
import type { MessageContactCard, MessageDoc, MessageMedia, MessageType } from '../models/message.ts';
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
    default:
      return { ...base, rawType };
  }
}

/**
 * A Baileys WAMessage as the stored message document, or null when it is not a chat message
 * (no key, or a status broadcast).
 */
export function normaliseMessage(ref: SessionRef, message: WAMessage, now: Date = new Date()): MessageDoc | null {
  const chat = storedText(message.key?.remoteJid);
  const messageId = storedText(message.key?.id);
  if (!chat || !messageId || chat === 'status@broadcast') return null;
  const fromMe = message.key.fromMe === true;
  const seconds = protoNumber(message.messageTimestamp);
  const content = normaliseContent(message.message, message.messageStubType);
  const status = statusFromBaileys(message.status) ?? (fromMe ? 'sent' : 'delivered');
  const key = { ...ref, chat, messageId, fromMe };
  return {
    _id: storedMessageId(key),
    ...key,
    from: fromMe ? null : storedText(message.key.participant) ?? chat,
    pushName: storedText(message.pushName),
    direction: fromMe ? 'out' : 'in',
    ...content,
    status,
    statusRank: statusRank(status),
    timestamp: seconds ? new Date(seconds * 1000) : now,
    createdAt: now,
  };
}
