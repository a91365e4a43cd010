import { getBinaryNodeChild, getBinaryNodeChildren, isJidGroup, jidDecode, proto, unpadRandomMax16, type BinaryNode } from '@whiskeysockets/baileys';
import type { DeviceConnection } from './deviceConnection.ts';
import { bundleNodeFor } from './signalEndpoint.ts';
import type { LinkedDevice } from './linkedDevice.ts';
import type { WhatsAppSimulator } from './whatsAppSimulator.ts';
import { answerGroupQuery } from './groupQueries.ts';
import { SimulatedGroup } from './simulatedGroup.ts';
import { receiveSenderKeyMessage } from './senderKeyMessages.ts';
import { receiveStatus, STATUS_JID } from './statusBroadcast.ts';

function result(request: BinaryNode, content?: BinaryNode[]): BinaryNode {
  return { tag: 'iq', attrs: { from: request.attrs.to ?? 's.whatsapp.net', type: 'result', id: request.attrs.id }, content };
}

function bytes(node: BinaryNode | undefined): Buffer | undefined {
  return node?.content instanceof Uint8Array ? Buffer.from(node.content) : undefined;
}

function uint(node: BinaryNode | undefined): number {
  const value = bytes(node);
  return value && value.length > 0 ? value.readUIntBE(0, value.length) : 0;
}

function now(): string {
  return String(Math.floor(Date.now() / 1000));
}

/**
 * Answers what a logged-in client sends. Anything not modelled gets an empty `result`, so a query
 * Baileys fires after login (privacy, props, blocklist …) resolves instead of timing out.
 */
export class StanzaRouter {
  readonly #simulator: WhatsAppSimulator;

  constructor(simulator: WhatsAppSimulator) {
    this.#simulator = simulator;
  }

  async route(connection: DeviceConnection, node: BinaryNode): Promise<void> {
    const device = connection.deviceJid ? this.#simulator.device(connection.deviceJid) : undefined;
    switch (node.tag) {
      case 'iq':
        if (node.attrs.type === 'get' || node.attrs.type === 'set') await connection.send(this.#answerIq(device, node));
        return;
      case 'message':
        if (device) await this.#relayOutgoing(connection, device, node);
        return;
      case 'receipt':
        await connection.send({ tag: 'ack', attrs: { class: 'receipt', id: node.attrs.id, from: node.attrs.to ?? 's.whatsapp.net', ...(node.attrs.type ? { type: node.attrs.type } : {}) } });
        if (device) this.#simulator.recordReceipt(device, node);
        // A receipt is the device's acknowledgement of the message (offline queue).
        if (device) this.#simulator.answeredByDevice(device, node);
        return;
      case 'ack':
        // Baileys' `<ack class="message" id [error]>` for a message it sends no receipt for (offline queue).
        if (device) this.#simulator.answeredByDevice(device, node);
        return;
      default:
        return;
    }
  }

  #answerIq(device: LinkedDevice | undefined, iq: BinaryNode): BinaryNode {
    if (!device) return result(iq);
    if (iq.attrs.xmlns === 'encrypt') return this.#answerEncrypt(device, iq);
    if (iq.attrs.xmlns === 'usync') return this.#answerUsync(iq);
    if (iq.attrs.xmlns === 'w:sync:app:state') return this.#answerAppStateSync(iq);
    if (iq.attrs.xmlns === 'w:g2') return answerGroupQuery(this.#simulator, device, iq) ?? result(iq);
    return result(iq);
  }

  #answerEncrypt(device: LinkedDevice, iq: BinaryNode): BinaryNode {
    if (getBinaryNodeChild(iq, 'count')) {
      return result(iq, [{ tag: 'count', attrs: { value: String(device.keys?.preKeys.size ?? 0) } }]);
    }
    if (getBinaryNodeChild(iq, 'digest')) {
      return result(iq, [{ tag: 'digest', attrs: {} }]);
    }
    const registration = getBinaryNodeChild(iq, 'registration');
    if (registration) {
      const skey = getBinaryNodeChild(iq, 'skey');
      const preKeys = new Map(device.keys?.preKeys ?? []);
      for (const key of getBinaryNodeChildren(getBinaryNodeChild(iq, 'list'), 'key')) {
        const value = bytes(getBinaryNodeChild(key, 'value'));
        if (value) preKeys.set(uint(getBinaryNodeChild(key, 'id')), value);
      }
      device.keys = {
        registrationId: uint(registration),
        identityKey: bytes(getBinaryNodeChild(iq, 'identity')) ?? device.identityKeyPublic,
        signedPreKey: {
          keyId: uint(getBinaryNodeChild(skey, 'id')),
          publicKey: bytes(getBinaryNodeChild(skey, 'value')) ?? Buffer.alloc(0),
          signature: bytes(getBinaryNodeChild(skey, 'signature')) ?? Buffer.alloc(0),
        },
        preKeys,
      };
      this.#simulator.keysUploaded(device);
      return result(iq);
    }
    const rotate = getBinaryNodeChild(iq, 'rotate');
    if (rotate && device.keys) {
      const skey = getBinaryNodeChild(rotate, 'skey');
      device.keys.signedPreKey = {
        keyId: uint(getBinaryNodeChild(skey, 'id')),
        publicKey: bytes(getBinaryNodeChild(skey, 'value')) ?? Buffer.alloc(0),
        signature: bytes(getBinaryNodeChild(skey, 'signature')) ?? Buffer.alloc(0),
      };
      return result(iq);
    }
    const key = getBinaryNodeChild(iq, 'key');
    if (key) {
      const users = getBinaryNodeChildren(key, 'user').flatMap((user) => {
        const bundle = this.#bundleFor(user.attrs.jid);
        return bundle ? [bundle] : [];
      });
      return result(iq, [{ tag: 'list', attrs: {}, content: users }]);
    }
    return result(iq);
  }

  /**
   * No app state is modelled: every collection is at its current version with nothing more to
   * fetch. An empty result would not do: Baileys re-asks for a collection until it is told it is done.
   */
  #answerAppStateSync(iq: BinaryNode): BinaryNode {
    const collections = getBinaryNodeChildren(getBinaryNodeChild(iq, 'sync'), 'collection').map(
      (collection): BinaryNode => ({
        tag: 'collection',
        attrs: { name: collection.attrs.name, version: collection.attrs.version ?? '0', has_more_patches: 'false' },
      }),
    );
    return result(iq, [{ tag: 'sync', attrs: {}, content: collections }]);
  }

  #bundleFor(jid: string): BinaryNode | undefined {
    const decoded = jidDecode(jid);
    if (!decoded) return undefined;
    const account = this.#simulator.account(decoded.user);
    if (!account) return undefined;
    const device = decoded.device ?? 0;
    if (device === 0) return account.signal.bundleNode(jid);
    const linked = this.#simulator.devicesOf(decoded.user).find((d) => d.deviceId === device);
    if (!linked?.keys) return undefined;
    const [preKey] = linked.keys.preKeys.entries();
    const node = bundleNodeFor(jid, { ...linked.keys, preKeys: new Map(preKey ? [preKey] : []) });
    if (preKey) linked.keys.preKeys.delete(preKey[0]);
    return node;
  }

  #answerUsync(iq: BinaryNode): BinaryNode {
    const usync = getBinaryNodeChild(iq, 'usync');
    const query = getBinaryNodeChild(usync, 'query')?.content;
    const wanted = new Set(Array.isArray(query) ? query.map((n) => n.tag) : []);
    const users: BinaryNode[] = [];
    for (const user of getBinaryNodeChildren(getBinaryNodeChild(usync, 'list'), 'user')) {
      const contactNode = getBinaryNodeChild(user, 'contact');
      const phone = typeof contactNode?.content === 'string' ? contactNode.content : bytes(contactNode)?.toString();
      const jid = user.attrs.jid ?? (phone ? `${phone.replace(/^\+/, '')}@s.whatsapp.net` : undefined);
      if (!jid) continue;
      const userPart = jidDecode(jid)?.user ?? '';
      const account = this.#simulator.account(userPart);
      const content: BinaryNode[] = [];
      if (wanted.has('contact')) content.push({ tag: 'contact', attrs: { type: account ? 'in' : 'out' } });
      if (wanted.has('lid') && account) content.push({ tag: 'lid', attrs: { val: account.lidJid } });
      if (wanted.has('devices') && account) {
        const devices: BinaryNode[] = [{ tag: 'device', attrs: { id: '0' } }];
        for (const linked of this.#simulator.devicesOf(userPart)) {
          devices.push({ tag: 'device', attrs: { id: String(linked.deviceId), 'key-index': String(linked.keyIndex) } });
        }
        content.push({ tag: 'devices', attrs: {}, content: [{ tag: 'device-list', attrs: {}, content: devices }] });
      }
      users.push({ tag: 'user', attrs: { jid: account && user.attrs.jid === undefined ? account.jid : jid }, content });
    }
    return result(iq, [
      { tag: 'usync', attrs: { ...(usync?.attrs ?? {}) }, content: [{ tag: 'result', attrs: {} }, { tag: 'list', attrs: {}, content: users }] },
    ]);
  }

  /** Outgoing message: ack it, then let each addressed simulated device decrypt its copy. */
  async #relayOutgoing(connection: DeviceConnection, device: LinkedDevice, node: BinaryNode): Promise<void> {
    const id = node.attrs.id;
    const to = node.attrs.to;
    await connection.send({ tag: 'ack', attrs: { class: 'message', id, from: to, t: now() } });
    // To a group or status: one skmsg for every member, the sender key in per-device copies.
    if (isJidGroup(to)) {
      const group = SimulatedGroup.find(this.#simulator, to);
      if (group) await receiveSenderKeyMessage(this.#simulator, device, node, group.recipients());
      return;
    }
    if (to === STATUS_JID) {
      await receiveStatus(this.#simulator, device, node);
      return;
    }
    const copies: { jid: string; enc: BinaryNode }[] = [];
    for (const target of getBinaryNodeChildren(getBinaryNodeChild(node, 'participants'), 'to')) {
      const enc = getBinaryNodeChild(target, 'enc');
      if (enc) copies.push({ jid: target.attrs.jid, enc });
    }
    const direct = getBinaryNodeChild(node, 'enc');
    if (direct) copies.push({ jid: to, enc: direct });
    for (const { jid, enc } of copies) {
      const decoded = jidDecode(jid);
      if (!decoded || (decoded.device ?? 0) !== 0) continue;
      const contact = this.#simulator.contact(decoded.user);
      if (contact) {
        await contact.receive(device, id, to, enc);
        continue;
      }
      const phone = device.phone;
      if (decoded.user === phone.phoneNumber || decoded.user === phone.lid) {
        // The companion copies what it sends to its own phone; the phone reads it and moves on.
        if (enc.content instanceof Uint8Array) {
          const plaintext = await phone.signal.decrypt(phone.phoneNumber, device.deviceId, enc.attrs.type ?? '', enc.content);
          proto.Message.decode(unpadRandomMax16(plaintext));
        }
      }
    }
  }
}
