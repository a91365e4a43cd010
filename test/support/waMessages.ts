import { randomBytes } from 'node:crypto';
import { proto, type WAMessage } from '@whiskeysockets/baileys';

/**
 * WAMessage fixtures shaped as Baileys delivers them (recorded from real sessions, ids and
 * numbers replaced). `asDelivered` runs one through protobuf encode/decode, which is what Baileys
 * hands to `messages.upsert`: Long timestamps, Uint8Array bytes, defaults on the prototype.
 */
export const PEER = '4915123456789@s.whatsapp.net';
export const GROUP = '120363025246125486@g.us';

export function asDelivered(message: WAMessage): WAMessage {
  return proto.WebMessageInfo.decode(proto.WebMessageInfo.encode(message as proto.IWebMessageInfo).finish()) as WAMessage;
}

export function messageId(): string {
  return `3A${randomBytes(9).toString('hex').toUpperCase()}`;
}

const seconds = (at = Date.now()) => Math.floor(at / 1000);

export function textMessage(text: string, options: { id?: string; chat?: string; at?: number; fromMe?: boolean } = {}): WAMessage {
  return {
    key: { remoteJid: options.chat ?? PEER, fromMe: options.fromMe ?? false, id: options.id ?? messageId() },
    messageTimestamp: seconds(options.at),
    pushName: 'Lena',
    broadcast: false,
    message: { conversation: text, messageContextInfo: { deviceListMetadataVersion: 2 } },
  };
}

export const fixtures = {
  conversation: (): WAMessage => textMessage('Hallo, ist das Paket angekommen?'),
  extendedReply: (): WAMessage => ({
    key: { remoteJid: PEER, fromMe: false, id: messageId() },
    messageTimestamp: 1764180000,
    pushName: 'Lena',
    message: {
      extendedTextMessage: {
        text: 'Ja, danke! https://example.com/track',
        previewType: 0,
        contextInfo: {
          stanzaId: '3EB0C431D2A7B5F9E1A2',
          participant: '4915000000000@s.whatsapp.net',
          quotedMessage: { conversation: 'Ist das Paket da?' },
        },
        inviteLinkGroupTypeV2: 0,
      },
      messageContextInfo: { deviceListMetadataVersion: 2 },
    },
  }),
  image: (): WAMessage => ({
    key: { remoteJid: GROUP, fromMe: false, id: messageId(), participant: '4915111111111@s.whatsapp.net' },
    messageTimestamp: seconds(),
    pushName: 'Tom',
    message: {
      imageMessage: {
        url: 'https://mmg.whatsapp.net/o1/v/t62.7118-24/f1/m232/up-oil-image-abc.enc?ccb=9-4',
        mimetype: 'image/jpeg',
        caption: 'Lieferschein',
        fileSha256: Buffer.from('a'.repeat(32)),
        fileLength: 184223,
        height: 1600,
        width: 1200,
        mediaKey: Buffer.from('k'.repeat(32)),
        directPath: '/o1/v/t62.7118-24/f1/m232/up-oil-image-abc.enc',
        mediaKeyTimestamp: 1764179990,
        jpegThumbnail: Buffer.from([0xff, 0xd8, 0xff]),
      },
    },
  }),
  video: (): WAMessage => ({
    key: { remoteJid: PEER, fromMe: false, id: messageId() },
    messageTimestamp: seconds(),
    message: { videoMessage: { mimetype: 'video/mp4', seconds: 12, fileLength: 1048576, caption: 'clip', width: 720, height: 1280 } },
  }),
  voice: (): WAMessage => ({
    key: { remoteJid: PEER, fromMe: false, id: messageId() },
    messageTimestamp: seconds(),
    message: { audioMessage: { mimetype: 'audio/ogg; codecs=opus', seconds: 7, ptt: true, fileLength: 15342 } },
  }),
  audio: (): WAMessage => ({
    key: { remoteJid: PEER, fromMe: false, id: messageId() },
    messageTimestamp: seconds(),
    message: { audioMessage: { mimetype: 'audio/mpeg', seconds: 185, ptt: false, fileLength: 2960000 } },
  }),
  documentWithCaption: (): WAMessage => ({
    key: { remoteJid: PEER, fromMe: false, id: messageId() },
    messageTimestamp: seconds(),
    message: {
      documentWithCaptionMessage: {
        message: { documentMessage: { mimetype: 'application/pdf', fileName: 'Rechnung-2026-11.pdf', title: 'Rechnung', caption: 'Rechnung anbei', fileLength: 88211, pageCount: 2 } },
      },
    },
  }),
  sticker: (): WAMessage => ({
    key: { remoteJid: PEER, fromMe: false, id: messageId() },
    messageTimestamp: seconds(),
    message: { stickerMessage: { mimetype: 'image/webp', isAnimated: false, fileLength: 22010, width: 512, height: 512 } },
  }),
  location: (): WAMessage => ({
    key: { remoteJid: PEER, fromMe: false, id: messageId() },
    messageTimestamp: seconds(),
    message: { locationMessage: { degreesLatitude: 52.520008, degreesLongitude: 13.404954, name: 'Alexanderplatz', address: '10178 Berlin' } },
  }),
  contactCard: (): WAMessage => ({
    key: { remoteJid: PEER, fromMe: false, id: messageId() },
    messageTimestamp: seconds(),
    message: {
      contactMessage: {
        displayName: 'Max Mustermann',
        vcard: 'BEGIN:VCARD\nVERSION:3.0\nN:;Max Mustermann;;;\nFN:Max Mustermann\nTEL;type=CELL;waid=4917000000000:+49 170 0000000\nEND:VCARD',
      },
    },
  }),
  reaction: (): WAMessage => ({
    key: { remoteJid: PEER, fromMe: false, id: messageId() },
    messageTimestamp: seconds(),
    message: { reactionMessage: { key: { remoteJid: PEER, fromMe: true, id: '3EB0AAAABBBBCCCCDDDD' }, text: '👍', senderTimestampMs: Date.now() } },
  }),
  ephemeralText: (): WAMessage => ({
    key: { remoteJid: PEER, fromMe: false, id: messageId() },
    messageTimestamp: seconds(),
    message: { ephemeralMessage: { message: { extendedTextMessage: { text: 'verschwindet in 7 Tagen', contextInfo: { expiration: 604800 } } } } },
  }),
  viewOnceImage: (): WAMessage => ({
    key: { remoteJid: PEER, fromMe: false, id: messageId() },
    messageTimestamp: seconds(),
    message: { viewOnceMessageV2: { message: { imageMessage: { mimetype: 'image/jpeg', viewOnce: true, fileLength: 5000 } } } },
  }),
  poll: (): WAMessage => ({
    key: { remoteJid: GROUP, fromMe: false, id: messageId(), participant: '4915111111111@s.whatsapp.net' },
    messageTimestamp: seconds(),
    message: { pollCreationMessageV3: { name: 'Pizza?', options: [{ optionName: 'ja' }, { optionName: 'nein' }], selectableOptionsCount: 1 } },
  }),
  withNul: (): WAMessage => textMessage('nul\u0000inside'),
};
