import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { decodeBinaryNode, getBinaryNodeChild, getBinaryNodeChildren, jidDecode, type BinaryNode } from '@whiskeysockets/baileys';
import { DeviceConnection } from './deviceConnection.ts';
import type { ClientFinish } from './noiseResponder.ts';
import { generateKeyPair, type KeyPair } from './curveKeys.ts';
import { completePairing, offerPairing, type PendingPairing } from './pairingFlow.ts';
import { parsePairingQr } from './pairingQr.ts';
import { SimulatedPhone } from './simulatedPhone.ts';
import { deviceJid, deviceLidJid, type LinkedDevice } from './linkedDevice.ts';
import { StanzaRouter } from './stanzaRouter.ts';
import { SimulatedContact } from './simulatedContact.ts';
import { newDeviceMessages } from './newDeviceMessages.ts';
import { PeerChannel } from './peerChannel.ts';
import { historyCounts, historySyncNotification, type HistorySyncContent } from './historySync.ts';
import { contactHistory, type ContactChat } from './contactHistory.ts';
import { enterPairingCode, parseCompanionHello } from './pairingCodeFlow.ts';
import type { SimulatorState } from './simulatorState.ts';
import { OfflineQueue, type DeviceNack, type PendingStanza } from './offlineQueue.ts';

/** What the server knows about an account's primary device: its identity and Signal keys. */
export type SimulatedAccount = Pick<SimulatedPhone, 'jid' | 'lidJid' | 'signal'>;

export interface DeviceReceipt {
  device: LinkedDevice;
  id: string;
  type: string;
  to: string;
}

export interface SimulatorOptions {
  port?: number;
  host?: string;
  /** Extra HTTP handling beside the WebSocket (the sandbox control API). */
  onHttpRequest?: (req: IncomingMessage, res: ServerResponse, simulator: WhatsAppSimulator) => void;
  /** Start from a saved state (phones, contacts, linked devices and their keys). */
  restore?: SimulatorState;
  /** Called (debounced) whenever the state changed, e.g. to save it. */
  onStateChange?: (state: SimulatorState) => void;
  /**
   * Queue a contact's message to a device that is offline and deliver it at the device's next
   * login, as WhatsApp does (default false: sending to an offline device throws).
   */
  queueWhileOffline?: boolean;
  /** How many unacknowledged message stanzas the server keeps per device (default 10,000). */
  offlineQueueLimit?: number;
}

/** Every stanza the simulator sends a logged-in device, for tests that watch the wire. */
export type OutgoingListener = (device: string, node: BinaryNode) => void;

/** A burst stopped part-way (the device went offline and nothing queues for it): the ids sent so far. */
export class BurstInterruptedError extends Error {
  readonly ids: string[];

  constructor(ids: string[], cause: unknown) {
    super(`burst interrupted after ${ids.length} messages: ${(cause as Error).message}`, { cause });
    this.ids = ids;
  }
}

/**
 * A WhatsApp Web server for one machine: unmodified Baileys connects to `url`, pairs with a
 * simulated phone, logs in, and exchanges end-to-end encrypted messages with simulated contacts.
 */
export class WhatsAppSimulator {
  readonly #http: Server;
  readonly #wss: WebSocketServer;
  readonly #serverStatic: KeyPair = generateKeyPair();
  readonly #pending = new Set<PendingPairing>();
  readonly #devices = new Map<string, LinkedDevice>();
  readonly #online = new Map<string, DeviceConnection>();
  readonly #connections = new Set<DeviceConnection>();
  readonly #contacts = new Map<string, SimulatedContact>();
  readonly #accounts = new Map<string, SimulatedAccount>();
  readonly #receipts: DeviceReceipt[] = [];
  readonly #router: StanzaRouter;
  /** The phones' own messages to their linked devices, in order per device. */
  readonly #peer = new PeerChannel((device, node) => this.deliverTo(device, node, { queueWhileOffline: false }));
  // --- Offline queue (offlineQueue.ts): what each device has not acknowledged, redelivered at login. ---
  readonly #offlineQueue: OfflineQueue;
  /** Per device jid: its login's redelivery in progress; live stanzas wait behind it. */
  readonly #redelivering = new Map<string, Promise<void>>();
  readonly #outgoing = new Set<OutgoingListener>();
  /** See SimulatorOptions.queueWhileOffline. */
  queueWhileOffline: boolean;
  // --- End of offline queue ---
  #port = 0;
  #host: string;
  #onStateChange: ((state: SimulatorState) => void) | undefined;
  #saveTimer: NodeJS.Timeout | undefined;

  private constructor(options: SimulatorOptions) {
    this.#host = options.host ?? '127.0.0.1';
    this.#http = createServer((req, res) => {
      if (options.onHttpRequest) options.onHttpRequest(req, res, this);
      else res.writeHead(404).end();
    });
    this.#wss = new WebSocketServer({ server: this.#http, path: '/ws/chat' });
    this.#wss.on('connection', (ws) => this.#accept(new DeviceConnection(ws, this.#serverStatic)));
    this.#router = new StanzaRouter(this);
    this.#onStateChange = options.onStateChange;
    this.#offlineQueue = new OfflineQueue(options.offlineQueueLimit);
    this.queueWhileOffline = options.queueWhileOffline ?? false;
    if (options.restore) this.#restore(options.restore);
  }

  #restore(state: SimulatorState): void {
    for (const saved of state.phones) {
      const phone = new SimulatedPhone(saved.phoneNumber, saved.pushName, saved);
      this.#accounts.set(phone.phoneNumber, phone);
      this.#accounts.set(phone.lid, phone);
    }
    for (const saved of state.contacts) {
      const contact = new SimulatedContact(this, saved.phoneNumber, saved.pushName, saved);
      for (const key of [contact.phoneNumber, contact.lid]) {
        this.#contacts.set(key, contact);
        this.#accounts.set(key, contact);
      }
    }
    for (const saved of state.devices) {
      const phone = this.phone(saved.phoneNumber);
      if (!phone) continue;
      const device: LinkedDevice = {
        phone,
        deviceId: saved.deviceId,
        keyIndex: saved.keyIndex,
        noiseKeyPublic: saved.noiseKeyPublic,
        identityKeyPublic: saved.identityKeyPublic,
        keys: saved.keys ? { ...saved.keys, preKeys: new Map(saved.keys.preKeys) } : undefined,
        bootstrapped: saved.bootstrapped,
      };
      this.#devices.set(deviceJid(device), device);
    }
  }

  state(): SimulatorState {
    const phones = [...new Set(this.#accounts.values())].filter((a): a is SimulatedPhone => a instanceof SimulatedPhone);
    return {
      version: 1,
      phones: phones.map((p) => p.state()),
      contacts: this.contacts().map((c) => c.state()),
      devices: this.devices().map((d) => ({
        phoneNumber: d.phone.phoneNumber,
        deviceId: d.deviceId,
        keyIndex: d.keyIndex,
        noiseKeyPublic: d.noiseKeyPublic,
        identityKeyPublic: d.identityKeyPublic,
        keys: d.keys ? { ...d.keys, preKeys: [...d.keys.preKeys.entries()] } : null,
        bootstrapped: d.bootstrapped,
      })),
    };
  }

  /** Something the state covers changed (keys, sessions, devices): schedule onStateChange. */
  changed(): void {
    if (!this.#onStateChange || this.#saveTimer) return;
    this.#saveTimer = setTimeout(() => this.#flushState(), 100);
  }

  #flushState(): void {
    clearTimeout(this.#saveTimer);
    this.#saveTimer = undefined;
    this.#onStateChange?.(this.state());
  }

  static async start(options: SimulatorOptions = {}): Promise<WhatsAppSimulator> {
    const simulator = new WhatsAppSimulator(options);
    await simulator.listen(options.port ?? 0);
    return simulator;
  }

  /** (Re)opens the listening socket; a stopped simulator can come back on the same port. */
  async listen(port = this.#port): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#http.once('error', reject);
      this.#http.listen(port, this.#host, () => {
        this.#http.off('error', reject);
        resolve();
      });
    });
    this.#port = (this.#http.address() as AddressInfo).port;
  }

  get port(): number {
    return this.#port;
  }

  /** What to pass Baileys as `waWebSocketUrl` (WA_WEBSOCKET_URL). */
  get url(): string {
    return `ws://${this.#host}:${this.#port}/ws/chat`;
  }

  get httpUrl(): string {
    return `http://${this.#host}:${this.#port}`;
  }

  createPhone(phoneNumber = randomPhoneNumber(), pushName?: string): SimulatedPhone {
    const phone = new SimulatedPhone(phoneNumber, pushName);
    this.#accounts.set(phone.phoneNumber, phone);
    this.#accounts.set(phone.lid, phone);
    this.changed();
    return phone;
  }

  createContact(phoneNumber = randomPhoneNumber(), pushName = 'Sandbox Contact'): SimulatedContact {
    const contact = new SimulatedContact(this, phoneNumber, pushName);
    this.#contacts.set(contact.phoneNumber, contact);
    this.#contacts.set(contact.lid, contact);
    this.#accounts.set(contact.phoneNumber, contact);
    this.#accounts.set(contact.lid, contact);
    this.changed();
    return contact;
  }

  /** Any simulated account (a phone or a contact) by phone number or LID user part. */
  account(user: string): SimulatedAccount | undefined {
    return this.#accounts.get(user);
  }

  /** Receipts a device sent for messages it received (delivery, read), newest last. */
  receiptsFrom(device: LinkedDevice): DeviceReceipt[] {
    return this.#receipts.filter((r) => r.device === device);
  }

  recordReceipt(device: LinkedDevice, node: BinaryNode): void {
    const ids = [node.attrs.id, ...getBinaryNodeChildren(getBinaryNodeChild(node, 'list'), 'item').map((i) => i.attrs.id)];
    for (const id of ids) {
      this.#receipts.push({ device, id, type: node.attrs.type ?? 'delivery', to: node.attrs.to });
      this.#peer.answered(device, id);
    }
    if (node.attrs.type === 'retry') {
      const sender = this.contacts().find((c) => c.sentMessage(node.attrs.id));
      void sender?.resend(node.attrs.id).catch(() => undefined);
    }
    // A sandbox runs for days: keep only what a test or an operator could still be looking for.
    if (this.#receipts.length > HISTORY_LIMIT) this.#receipts.splice(0, this.#receipts.length - HISTORY_LIMIT);
  }

  phone(phoneNumber: string): SimulatedPhone | undefined {
    const account = this.#accounts.get(phoneNumber);
    return account instanceof SimulatedPhone ? account : undefined;
  }

  contacts(): SimulatedContact[] {
    return [...new Set(this.#contacts.values())];
  }

  /** A simulated contact by phone number or LID user part. */
  contact(user: string): SimulatedContact | undefined {
    return this.#contacts.get(user);
  }

  /** The phone scans a QR shown by a client; resolves once the client has been told to restart. */
  async scan(qr: string, phone: SimulatedPhone): Promise<LinkedDevice> {
    const parsed = parsePairingQr(qr);
    const pending = [...this.#pending].find((p) => p.refs.includes(parsed.ref) && p.connection.open);
    if (!pending) throw new Error('no client is showing this QR code');
    this.#pending.delete(pending);
    const device = await completePairing(pending, phone, parsed);
    this.#devices.set(deviceJid(device), device);
    this.changed();
    return device;
  }

  /**
   * The user of `phone` types the pairing code a client showed (after requestPairingCode for this
   * phone's number); resolves once the client has been told to restart, like `scan`.
   */
  async enterPairingCode(phone: SimulatedPhone, code: string): Promise<LinkedDevice> {
    // The client's request may still be in flight when the user types the code: give it a moment.
    const waitingFor = () => [...this.#pending].find((p) => p.linkCode?.phoneNumber === phone.phoneNumber && p.connection.open);
    for (let waited = 0; !waitingFor() && waited < 2_000; waited += 25) await new Promise((resolve) => setTimeout(resolve, 25));
    const pending = waitingFor();
    if (!pending?.linkCode) throw new Error(`no client is waiting for a pairing code for ${phone.phoneNumber}`);
    const paired = await enterPairingCode(pending.connection, pending.noiseKeyPublic, pending.linkCode, phone, code.replace(/[^0-9A-Za-z]/g, '').toUpperCase());
    this.#pending.delete(pending);
    const device = await completePairing(pending, phone, paired);
    this.#devices.set(deviceJid(device), device);
    this.changed();
    return device;
  }

  devices(): LinkedDevice[] {
    return [...this.#devices.values()];
  }

  device(jid: string): LinkedDevice | undefined {
    return this.#devices.get(jid);
  }

  /** Devices of an account (phone number or LID user part) that have logged in at least once. */
  devicesOf(user: string): LinkedDevice[] {
    return this.devices().filter((d) => d.phone.phoneNumber === user || d.phone.lid === user);
  }

  connectionOf(device: LinkedDevice): DeviceConnection | undefined {
    return this.#online.get(deviceJid(device));
  }

  /**
   * The phone removes a linked device: it is told so (401) and may never log in again. Not before
   * the device has answered what the phone sent it (the link-time messages, a history sync) or
   * gone offline, as a phone finishes linking a device before the user can unlink it: cut off
   * while still decrypting them, a client would go on with its keys gone (a bridge wipes them on
   * 401) and fail every one of them (Baileys: "Invalid PreKey ID").
   */
  async logOut(device: LinkedDevice): Promise<void> {
    const online = this.connectionOf(device);
    if (online) await this.#peer.settled(device, new Promise<void>((resolve) => online.once('close', () => resolve())), UNLINK_WAIT_MS);
    this.#devices.delete(deviceJid(device));
    this.#offlineQueue.clear(deviceJid(device));
    this.changed();
    const connection = this.connectionOf(device);
    if (connection) {
      await connection.send({ tag: 'failure', attrs: { reason: '401', location: 'sim' } });
      connection.close();
    }
  }

  /** Another client took over this device's session (Baileys: connectionReplaced, 440). */
  async replace(device: LinkedDevice): Promise<void> {
    const connection = this.connectionOf(device);
    if (!connection) return;
    await connection.send({ tag: 'stream:error', attrs: {}, content: [{ tag: 'conflict', attrs: { type: 'replaced' } }] });
    connection.close();
  }

  /** Cuts every connection without a goodbye. */
  dropConnections(): void {
    for (const connection of this.#connections) connection.drop();
  }

  /** Stops listening and drops every connection; state (devices, contacts) survives for `listen()`. */
  async stop(): Promise<void> {
    if (this.#saveTimer) this.#flushState();
    this.dropConnections();
    const closed = new Promise<void>((resolve) => this.#http.close(() => resolve()));
    this.#http.closeAllConnections();
    await closed;
  }

  async #accept(connection: DeviceConnection): Promise<void> {
    this.#connections.add(connection);
    connection.on('close', () => {
      this.#connections.delete(connection);
      if (connection.deviceJid && this.#online.get(connection.deviceJid) === connection) {
        this.#online.delete(connection.deviceJid);
        // What the phone sent on this connection and got no answer for never will be answered.
        const device = this.#devices.get(connection.deviceJid);
        if (device) this.#peer.offline(device);
      }
      for (const pending of this.#pending) if (pending.connection === connection) this.#pending.delete(pending);
    });
    connection.on('handshake', (finish) => {
      this.#onHandshake(connection, finish).catch(() => connection.drop());
    });
    connection.on('stanza', (node) => {
      const hello = node.tag === 'iq' ? parseCompanionHello(node) : undefined;
      const pending = hello && [...this.#pending].find((p) => p.connection === connection);
      if (hello && pending) {
        pending.linkCode = hello;
        void connection.send({
          tag: 'iq',
          attrs: { from: 's.whatsapp.net', type: 'result', id: node.attrs.id },
          content: [{ tag: 'link_code_companion_reg', attrs: {}, content: [{ tag: 'link_code_pairing_ref', attrs: {}, content: hello.ref }] }],
        });
        return;
      }
      this.#router
        .route(connection, node)
        .catch(() => undefined)
        .finally(() => this.changed());
    });
  }

  async #onHandshake(connection: DeviceConnection, { clientStaticPublic, payload }: ClientFinish): Promise<void> {
    if (payload.devicePairingData) {
      this.#pending.add(offerPairing(connection, clientStaticPublic, payload.devicePairingData));
      return;
    }
    const jid = `${String(payload.username)}:${payload.device ?? 0}@s.whatsapp.net`;
    const device = this.#devices.get(jid);
    if (!device || !device.noiseKeyPublic.equals(clientStaticPublic)) {
      await connection.send({ tag: 'failure', attrs: { reason: '401', location: 'sim' } });
      connection.close();
      return;
    }
    const previous = this.#online.get(jid);
    connection.deviceJid = jid;
    this.#online.set(jid, connection);
    // Until the offline stanzas are out, whatever else is sent to the device waits behind them.
    let redelivered: () => void = () => undefined;
    const redelivery = new Promise<void>((resolve) => {
      redelivered = resolve;
    });
    this.#redelivering.set(jid, redelivery);
    try {
      await this.#logIn(connection, device, previous);
    } finally {
      if (this.#redelivering.get(jid) === redelivery) this.#redelivering.delete(jid);
      redelivered();
    }
  }

  async #logIn(connection: DeviceConnection, device: LinkedDevice, previous: DeviceConnection | undefined): Promise<void> {
    if (previous && previous !== connection) {
      await previous.send({ tag: 'stream:error', attrs: {}, content: [{ tag: 'conflict', attrs: { type: 'replaced' } }] });
      previous.close();
    }
    await this.#sendTo(deviceJid(device), connection, {
      tag: 'success',
      attrs: {
        t: String(Math.floor(Date.now() / 1000)),
        lid: deviceLidJid(device),
        display_name: device.phone.pushName,
        props: '1',
        creation: String(Math.floor(Date.now() / 1000)),
        location: 'sim',
      },
    });
    // What the device did not acknowledge, then how many that was: this ends Baileys' initial event buffer.
    const count = await this.#redeliver(connection, device);
    if (connection.open) await this.#sendTo(deviceJid(device), connection, { tag: 'ib', attrs: {}, content: [{ tag: 'offline', attrs: { count: String(count) } }] });
  }

  /**
   * After a device's first key upload the phone can reach it: it sends what a phone sends a new
   * device (newDeviceMessages.ts), the history bootstrap first.
   */
  keysUploaded(device: LinkedDevice): void {
    if (device.bootstrapped) return;
    device.bootstrapped = true;
    // Queued at once, so a history sync asked for right after comes behind them. They reach the
    // wire after the key upload's result, which the router sends synchronously after this returns.
    Promise.all(newDeviceMessages(device).map((m) => this.#peer.send(device, m)))
      .then(() => this.changed())
      .catch(() => {
        device.bootstrapped = false;
      });
  }

  // --- History sync: the phone sends a linked device chats, messages and PN↔LID mappings. ---

  /** The phone sends `device` a history sync (inline, see historySync.ts); resolves once it is on the wire. */
  async sendHistorySync(device: LinkedDevice, content: HistorySyncContent): Promise<{ id: string; messages: number; mappings: number }> {
    const id = await this.#peer.send(device, await historySyncNotification(content));
    this.changed();
    return { id, ...historyCounts(content) };
  }

  /**
   * History with simulated contacts (contactHistory.ts): the given chats, a contact created for a
   * number not met before; without chats, every contact.
   */
  contactHistory(chats?: ContactChat[]): HistorySyncContent {
    const withContacts = chats
      ? chats.map((chat) => ({ contact: this.contact(chat.with) ?? this.createContact(chat.with, `Contact ${chat.with.slice(-4)}`), messages: chat.messages }))
      : this.contacts().map((contact) => ({ contact }));
    return contactHistory(withContacts);
  }

  // --- End of history sync. ---

  /**
   * Sends a stanza to `device`; false when it is offline. A `message` stanza is kept until the
   * device acknowledges it and sent again at its next login if it does not (offlineQueue.ts);
   * with `queueWhileOffline` (default: the simulator's) one for an offline device is kept for
   * then instead of refused. Throws OfflineQueueFullError when the device's queue is full.
   */
  async deliverTo(device: LinkedDevice, node: BinaryNode, options: { queueWhileOffline?: boolean } = {}): Promise<boolean> {
    const jid = deviceJid(device);
    const isMessage = node.tag === 'message';
    if (!this.connectionOf(device) && !(isMessage && (options.queueWhileOffline ?? this.queueWhileOffline))) return false;
    const entry = isMessage ? this.#offlineQueue.add(jid, node) : undefined;
    for (let redelivery = this.#redelivering.get(jid); redelivery; redelivery = this.#redelivering.get(jid)) await redelivery;
    const connection = this.connectionOf(device);
    if (!connection) return entry !== undefined;
    if (entry) {
      // Answered already, or sent by the login's redelivery while this waited behind it.
      if (!this.#offlineQueue.includes(jid, entry) || entry.deliveredOn === connection) return true;
      entry.deliveries += 1;
      entry.deliveredOn = connection;
    }
    await this.#sendTo(jid, connection, node);
    return true;
  }

  // --- Offline queue: redelivery at login, acknowledgements, bursts. ---

  /** What `device` has not acknowledged yet, oldest first (the stored stanza bytes). */
  pendingFor(device: LinkedDevice): PendingStanza[] {
    return this.#offlineQueue.pending(deviceJid(device));
  }

  /** Messages `device` refused (`<ack class="message" error=…>`), oldest first. */
  nacksFrom(device: LinkedDevice): DeviceNack[] {
    return this.#offlineQueue.nacks(deviceJid(device));
  }

  /**
   * Resolves once the phone's messages to `device` (the link-time ones, history syncs) are all on
   * the wire and answered, or the device went offline, or after `timeoutMs`; whether nothing it
   * was sent is left unacknowledged.
   */
  async settled(device: LinkedDevice, timeoutMs = 10_000): Promise<boolean> {
    const online = this.connectionOf(device);
    if (!online) return this.#offlineQueue.count(deviceJid(device)) === 0;
    const gone = new Promise<void>((resolve) => online.once('close', () => resolve()));
    const answered = await this.#peer.settled(device, gone, timeoutMs);
    return answered && this.#offlineQueue.count(deviceJid(device)) === 0;
  }

  /** Watches every stanza sent to a logged-in device; returns the unsubscribe. */
  onOutgoing(listener: OutgoingListener): () => void {
    this.#outgoing.add(listener);
    return () => this.#outgoing.delete(listener);
  }

  /**
   * The device answered a message stanza. Baileys (messages-recv.js handleMessage) answers one it
   * handled with a `<receipt>` (delivery, `inactive`, `peer_msg`, `sender`…), which is the
   * acknowledgement WhatsApp goes by, and sends `<ack class="message">` only when it sends no
   * receipt: plain (newsletters, messages it skips) or with `error` (a NACK). A `retry` receipt
   * is no acknowledgement: Baileys NACKs that message (500) right after.
   */
  answeredByDevice(device: LinkedDevice, node: BinaryNode): void {
    const jid = deviceJid(device);
    if (node.tag === 'receipt') {
      if (node.attrs.type === 'retry') return;
      const ids = [node.attrs.id, ...getBinaryNodeChildren(getBinaryNodeChild(node, 'list'), 'item').map((i) => i.attrs.id)];
      for (const id of ids) if (id) this.#offlineQueue.acknowledged(jid, id);
      return;
    }
    if (node.tag !== 'ack' || node.attrs.class !== 'message' || !node.attrs.id) return;
    // Every NACK drops the stanza, as WhatsApp's server does: the device has answered, and the
    // same ciphertext would fail the same way again (its Signal key is used, or it cannot be read).
    if (node.attrs.error) this.#offlineQueue.refused(jid, node.attrs.id, Number(node.attrs.error));
    else this.#offlineQueue.acknowledged(jid, node.attrs.id);
  }

  /**
   * `contact` sends `device` `count` texts (`<prefix> 1` … `<prefix> <count>`), each as soon as
   * the device's connection has taken the previous one; resolves with their ids in order. When
   * the device goes offline part-way and nothing queues for it, rejects with
   * BurstInterruptedError (the ids sent so far).
   */
  async burst(contact: SimulatedContact, device: LinkedDevice, count: number, prefix = 'burst'): Promise<string[]> {
    const ids: string[] = [];
    for (let n = 1; n <= count; n += 1) {
      try {
        ids.push(await contact.sendText(device, `${prefix} ${n}`));
      } catch (error) {
        throw new BurstInterruptedError(ids, error);
      }
    }
    return ids;
  }

  /** At login: every stanza `device` did not acknowledge, the same bytes, marked `offline`; how many. */
  async #redeliver(connection: DeviceConnection, device: LinkedDevice): Promise<number> {
    const jid = deviceJid(device);
    let count = 0;
    for (const entry of this.#offlineQueue.pending(jid)) {
      if (!connection.open) break;
      if (!this.#offlineQueue.includes(jid, entry)) continue;
      const node = await decodeBinaryNode(Buffer.from(entry.bytes));
      count += 1;
      // Baileys only tests that it is there (`!!node.attrs.offline`): upsert type 'append', offline processor.
      node.attrs.offline = String(count);
      entry.deliveries += 1;
      entry.deliveredOn = connection;
      await this.#sendTo(jid, connection, node);
    }
    return count;
  }

  async #sendTo(jid: string, connection: DeviceConnection, node: BinaryNode): Promise<void> {
    for (const listener of this.#outgoing) listener(jid, node);
    await connection.send(node);
  }

  // --- End of offline queue ---

  /** The user part of a JID (`123:4@s.whatsapp.net` → `123`). */
  static userOf(jid: string): string {
    return jidDecode(jid)?.user ?? jid.split('@')[0].split(':')[0];
  }
}

const HISTORY_LIMIT = 1_000;
/** How long the phone waits for a device to answer its messages before unlinking it anyway. */
const UNLINK_WAIT_MS = 10_000;

function randomPhoneNumber(): string {
  return `1555${String(Math.floor(Math.random() * 10_000_000)).padStart(7, '0')}`;
}
