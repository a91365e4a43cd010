/**
 * The burst benchmark's WhatsApp: a WhatsAppSimulator in a process of its own. It pairs devices
 * from their QR codes, creates the contacts, pre-encrypts a whole burst for a device (prepare),
 * then sends it as fast as the device's connection takes it (send), recording the send time of
 * every message id. It also records when a contact has decrypted a message a device sent it
 * (outbound benchmark).
 */
import { WhatsAppSimulator } from '../../bridge/src/simulator/whatsAppSimulator.ts';
import type { LinkedDevice } from '../../bridge/src/simulator/linkedDevice.ts';
import type { PreparedMessage, SimulatedContact } from '../../bridge/src/simulator/simulatedContact.ts';
import { emit, now, serve } from './ipc.ts';

const simulator = await WhatsAppSimulator.start();
const devices = new Map<string, LinkedDevice>();
const contacts: SimulatedContact[] = [];
const prepared = new Map<string, Array<{ contact: SimulatedContact; message: PreparedMessage }>>();
/** Outbound: text → when a contact decrypted it. */
const received = new Map<string, number>();

function device(label: string): LinkedDevice {
  const d = devices.get(label);
  if (!d) throw new Error(`no device ${label}`);
  return d;
}

serve({
  async pair({ label, qr }: { label: string; qr: string }) {
    const phone = simulator.createPhone(undefined, `Burst ${label}`);
    devices.set(label, await simulator.scan(qr, phone));
    return { jid: phone.jid };
  },
  async settled({ label, timeoutMs }: { label: string; timeoutMs?: number }) {
    return simulator.settled(device(label), timeoutMs ?? 30_000);
  },
  online({ label }: { label: string }) {
    return !!simulator.connectionOf(device(label));
  },
  contacts({ k }: { k: number }) {
    while (contacts.length < k) {
      const contact = simulator.createContact(undefined, `Burst Contact ${contacts.length + 1}`);
      contact.on('message', (m) => {
        if (m.text !== undefined && !received.has(m.text)) received.set(m.text, now());
      });
      contacts.push(contact);
    }
    return contacts.map((c) => c.phoneNumber);
  },
  /** Encrypts n texts to the device, message i from contact i mod K; returns the ids in send order. */
  async prepare({ label, n, prefix }: { label: string; n: number; prefix: string }) {
    const to = device(label);
    const list: Array<{ contact: SimulatedContact; message: PreparedMessage }> = [];
    const started = now();
    for (let i = 0; i < n; i++) {
      const contact = contacts[i % contacts.length];
      list.push({ contact, message: await contact.prepareText(to, `${prefix} ${i + 1}`) });
    }
    prepared.set(label, list);
    return { ids: list.map((p) => p.message.id), encryptMs: now() - started };
  },
  /** Sends what prepare encrypted, in order, each as soon as the connection took the previous one. */
  async send({ label }: { label: string }) {
    const list = prepared.get(label);
    if (!list) throw new Error(`nothing prepared for ${label}`);
    prepared.delete(label);
    const sent: Array<[string, number]> = [];
    for (const { contact, message } of list) {
      sent.push([message.id, now()]);
      await contact.sendPrepared(message);
    }
    return { sent, done: now() };
  },
  /** Outbound: when the contacts decrypted the texts (those received so far). */
  receivedTimes() {
    return [...received.entries()];
  },
  async stop() {
    await simulator.stop();
    setImmediate(() => process.exit(0));
  },
});
emit('ready', { url: simulator.url });
