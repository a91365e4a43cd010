import { randomBytes, randomInt } from 'node:crypto';
import { proto } from '@whiskeysockets/baileys';
import { historySyncNotification } from './historySync.ts';
import type { LinkedDevice } from './linkedDevice.ts';

/**
 * The key the phone encrypts the account's app state (contacts, mutes, pins …) with, shared with
 * a new device as a real phone does. Its id is 6 bytes like WhatsApp's (a zero prefix and a
 * counter); nothing is encrypted with it, since the simulator models no app state.
 */
function appStateSyncKeyShare(device: LinkedDevice): proto.IMessage {
  return {
    protocolMessage: {
      type: proto.Message.ProtocolMessage.Type.APP_STATE_SYNC_KEY_SHARE,
      appStateSyncKeyShare: {
        keys: [
          {
            keyId: { keyId: Buffer.concat([Buffer.alloc(4), randomBytes(2)]) },
            keyData: {
              keyData: randomBytes(32),
              fingerprint: { rawId: randomInt(1, 2 ** 31 - 1), currentIndex: device.keyIndex, deviceIndexes: [0, device.keyIndex] },
              timestamp: Date.now(),
            },
          },
        ],
      },
    },
  };
}

/** Whether the account shows "security code changed" notices; off unless the user turned it on. */
function securityNotificationSetting(): proto.IMessage {
  return {
    protocolMessage: {
      type: proto.Message.ProtocolMessage.Type.INITIAL_SECURITY_NOTIFICATION_SETTING_SYNC,
      initialSecurityNotificationSettingSync: { securityNotificationEnabled: false },
    },
  };
}

/**
 * What a phone sends a device it has just linked, in order. The (empty, inline) history bootstrap
 * comes first: Baileys holds back every event of a first connection until it arrives (or 20 s
 * pass). The app state key and the security setting follow, as from a real phone; they reach
 * Baileys' messages.upsert as fromMe protocol messages, which a client has to ignore.
 */
export function newDeviceMessages(device: LinkedDevice): (proto.IMessage | Promise<proto.IMessage>)[] {
  return [historySyncNotification({ syncType: 'INITIAL_BOOTSTRAP' }), appStateSyncKeyShare(device), securityNotificationSetting()];
}
