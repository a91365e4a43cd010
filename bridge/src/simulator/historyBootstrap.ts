import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { deflate } from 'node:zlib';
import { encodeWAMessage, proto, type BinaryNode } from '@whiskeysockets/baileys';
import type { LinkedDevice } from './linkedDevice.ts';

const deflateAsync = promisify(deflate);

/**
 * The phone's first message to a newly linked device: an (empty) initial history bootstrap, inline.
 * Baileys holds back every event of a first connection until this arrives (or 20 s pass), so
 * without it a freshly paired session would sit silent for 20 seconds.
 */
export async function historyBootstrapStanza(device: LinkedDevice): Promise<BinaryNode> {
  const phone = device.phone;
  const history = proto.HistorySync.encode({
    syncType: proto.HistorySync.HistorySyncType.INITIAL_BOOTSTRAP,
    conversations: [],
    pushnames: [],
    progress: 100,
  }).finish();
  const message = encodeWAMessage({
    protocolMessage: {
      type: proto.Message.ProtocolMessage.Type.HISTORY_SYNC_NOTIFICATION,
      historySyncNotification: {
        syncType: proto.HistorySync.HistorySyncType.INITIAL_BOOTSTRAP,
        chunkOrder: 0,
        progress: 100,
        initialHistBootstrapInlinePayload: await deflateAsync(history),
      },
    },
  });
  const { type, ciphertext } = await phone.signal.encrypt(phone.phoneNumber, device.deviceId, message, () => device.keys);
  return {
    tag: 'message',
    attrs: { from: phone.jid, id: `3EB0${randomBytes(8).toString('hex').toUpperCase()}`, type: 'text', t: String(Math.floor(Date.now() / 1000)), category: 'peer' },
    content: [{ tag: 'enc', attrs: { v: '2', type }, content: ciphertext }],
  };
}
