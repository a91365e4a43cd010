import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { deflate } from 'node:zlib';
import { proto } from '@whiskeysockets/baileys';

const deflateAsync = promisify(deflate);

export interface HistoryMessage {
  /** Default: a random WhatsApp-style id. */
  id?: string;
  fromMe?: boolean;
  text: string;
  /** Unix seconds. Default: a minute apart, the last one a minute ago. */
  timestamp?: number;
  /** Who wrote it, for messages not from me (WhatsApp keeps the sender's push name with each). */
  pushName?: string;
}

export interface HistoryConversation {
  /** The chat, e.g. `15557001234@s.whatsapp.net`. */
  jid: string;
  /** The contact's name as the phone shows it. */
  name?: string;
  /** The other address of the chat (Conversation.lidJid / pnJid): a phone that knows it sends it. */
  lidJid?: string;
  pnJid?: string;
  /** Oldest first, as a chat reads; the payload lists them newest first, as a phone does. */
  messages: HistoryMessage[];
}

export interface HistoryMapping {
  /** `15557001234@s.whatsapp.net` */
  pn: string;
  /** `123456789012345@lid` */
  lid: string;
}

export type HistorySyncType = 'INITIAL_BOOTSTRAP' | 'RECENT' | 'FULL' | 'PUSH_NAME';

export interface HistorySyncContent {
  /** Default RECENT, what a phone sends after the bootstrap. */
  syncType?: HistorySyncType;
  conversations?: HistoryConversation[];
  /** The account's PN↔LID pairs (`phoneNumberToLidMappings`); Baileys stores them for every sync type. */
  mappings?: HistoryMapping[];
  /** `pushnames`: Baileys turns them into contacts only in a PUSH_NAME sync. */
  pushNames?: { jid: string; pushName: string }[];
}

function webMessageInfo(chat: HistoryConversation, message: HistoryMessage, timestamp: number): proto.IWebMessageInfo {
  const fromMe = message.fromMe === true;
  return {
    key: { remoteJid: chat.jid, fromMe, id: message.id ?? `3EB0${randomBytes(8).toString('hex').toUpperCase()}` },
    message: { conversation: message.text },
    messageTimestamp: timestamp,
    ...(fromMe ? {} : { pushName: message.pushName ?? chat.name }),
  };
}

function conversation(chat: HistoryConversation, now: number): proto.IConversation {
  const count = chat.messages.length;
  const infos = chat.messages.map((m, i) => webMessageInfo(chat, m, m.timestamp ?? now - (count - i) * 60));
  // A phone lists a chat's messages newest first; Baileys takes the first as the chat's last message.
  const newestFirst = infos.reverse();
  return {
    id: chat.jid,
    ...(chat.name ? { name: chat.name, displayName: chat.name } : {}),
    ...(chat.lidJid ? { lidJid: chat.lidJid } : {}),
    ...(chat.pnJid ? { pnJid: chat.pnJid } : {}),
    messages: newestFirst.map((message, i) => ({ message, msgOrderId: count - i })),
    conversationTimestamp: newestFirst[0]?.messageTimestamp ?? now,
    unreadCount: 0,
  };
}

/** The `proto.HistorySync` a phone would upload for this content, before compression. */
export function historySync(content: HistorySyncContent): proto.IHistorySync {
  const now = Math.floor(Date.now() / 1000);
  return {
    syncType: proto.HistorySync.HistorySyncType[content.syncType ?? 'RECENT'],
    conversations: (content.conversations ?? []).map((chat) => conversation(chat, now)),
    pushnames: (content.pushNames ?? []).map((p) => ({ id: p.jid, pushname: p.pushName })),
    phoneNumberToLidMappings: (content.mappings ?? []).map((m) => ({ pnJid: m.pn, lidJid: m.lid })),
    chunkOrder: 0,
    progress: 100,
  };
}

/**
 * The HISTORY_SYNC_NOTIFICATION protocol message carrying `content`. A phone uploads the zlib'd
 * HistorySync as media and sends its directPath and mediaKey, except the small first bootstrap,
 * which it sends inline. Baileys rc14 (downloadAndProcessHistorySyncNotification) inflates
 * `initialHistBootstrapInlinePayload` whatever the sync type, so the simulator, which has no media
 * server, sends every sync inline.
 */
export async function historySyncNotification(content: HistorySyncContent): Promise<proto.IMessage> {
  const history = historySync(content);
  return {
    protocolMessage: {
      type: proto.Message.ProtocolMessage.Type.HISTORY_SYNC_NOTIFICATION,
      historySyncNotification: {
        syncType: history.syncType,
        chunkOrder: 0,
        progress: 100,
        initialHistBootstrapInlinePayload: await deflateAsync(proto.HistorySync.encode(history).finish()),
      },
    },
  };
}

/** What a history sync holds, as the control API reports it. */
export function historyCounts(content: HistorySyncContent): { messages: number; mappings: number } {
  return {
    messages: (content.conversations ?? []).reduce((n, chat) => n + chat.messages.length, 0),
    mappings: content.mappings?.length ?? 0,
  };
}
