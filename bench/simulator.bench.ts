// npm run bench simulator: how fast unmodified Baileys pairs with and exchanges messages through
// the simulator. Baseline: the same Signal encrypt+decrypt round trips with libsignal alone.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { makeWASocket, useMultiFileAuthState, type ConnectionState, type WASocket } from '@whiskeysockets/baileys';
import { WhatsAppSimulator } from '../bridge/src/simulator/whatsAppSimulator.ts';
import { SignalEndpoint } from '../bridge/src/simulator/signalEndpoint.ts';
import { trustSimulatorRoot } from '../bridge/src/simulator/trustSimulatorRoot.ts';

const scale = Number(process.env.BENCH_SCALE ?? 1);
const MESSAGES = Math.max(10, Math.round(300 * scale));

trustSimulatorRoot();

function waitFor(socket: WASocket, predicate: (u: Partial<ConnectionState>) => boolean): Promise<Partial<ConnectionState>> {
  return new Promise((resolve) => {
    const listener = (u: Partial<ConnectionState>) => {
      if (predicate(u)) {
        socket.ev.off('connection.update', listener);
        resolve(u);
      }
    };
    socket.ev.on('connection.update', listener);
  });
}

async function connect(url: string, folder: string): Promise<WASocket> {
  const { state, saveCreds } = await useMultiFileAuthState(folder);
  const socket = makeWASocket({ auth: state, waWebSocketUrl: url, logger: pino({ level: 'silent' }), markOnlineOnConnect: false });
  socket.ev.on('creds.update', () => void saveCreds());
  return socket;
}

async function baseline(): Promise<number> {
  // Two libsignal endpoints talking directly: the cryptographic floor of a message round trip.
  const a = new SignalEndpoint();
  const b = new SignalEndpoint();
  const bundle = () => ({
    registrationId: b.registrationId,
    identityKey: b.identity.public,
    signedPreKey: { keyId: b.signedPreKey.keyId, publicKey: b.signedPreKey.keyPair.public, signature: b.signedPreKey.signature },
    preKeys: new Map<number, Buffer>(),
  });
  const start = performance.now();
  for (let i = 0; i < MESSAGES; i++) {
    const { type, ciphertext } = await a.encrypt('b', 0, Buffer.from(`message ${i}`), bundle);
    await b.decrypt('a', 0, type, ciphertext);
  }
  return MESSAGES / ((performance.now() - start) / 1000);
}

async function main(): Promise<void> {
  const simulator = await WhatsAppSimulator.start();
  const folder = await mkdtemp(join(tmpdir(), 'sim-bench-'));
  try {
    const phone = simulator.createPhone('15550909090');
    let socket = await connect(simulator.url, folder);
    const t0 = performance.now();
    const { qr } = await waitFor(socket, (u) => typeof u.qr === 'string');
    const tQr = performance.now();
    const restarted = waitFor(socket, (u) => u.connection === 'close');
    const device = await simulator.scan(qr as string, phone);
    await restarted;
    socket = await connect(simulator.url, folder);
    await waitFor(socket, (u) => u.connection === 'open');
    const tOpen = performance.now();

    const contact = simulator.createContact('15557009090');
    let received = 0;
    let allReceived: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (allReceived = resolve));
    socket.ev.on('messages.upsert', (u) => {
      received += u.messages.filter((m) => m.key.remoteJid === contact.jid && !m.key.fromMe).length;
      if (received >= MESSAGES) allReceived();
    });
    const tIn = performance.now();
    for (let i = 0; i < MESSAGES; i++) await contact.sendText(device, `inbound ${i}`);
    await done;
    const inboundRate = MESSAGES / ((performance.now() - tIn) / 1000);

    const tOut = performance.now();
    for (let i = 0; i < MESSAGES; i++) await socket.sendMessage(contact.jid, { text: `outbound ${i}` });
    await contact.waitForMessage((m) => m.text === `outbound ${MESSAGES - 1}`, 60_000);
    const outboundRate = MESSAGES / ((performance.now() - tOut) / 1000);

    const floor = await baseline();
    const ms = (v: number) => `${v.toFixed(0)} ms`;
    console.log(`simulator: handshake to first QR ${ms(tQr - t0)}; scan to open (incl. 515 restart and login) ${ms(tOpen - tQr)}`);
    console.log(`simulator: inbound  ${inboundRate.toFixed(0)} msg/s (contact → Baileys messages.upsert, ${MESSAGES} messages)`);
    console.log(`simulator: outbound ${outboundRate.toFixed(0)} msg/s (Baileys sendMessage → contact decrypted)`);
    console.log(`simulator: baseline ${floor.toFixed(0)} msg/s (libsignal encrypt+decrypt alone); inbound/baseline ${(inboundRate / floor).toFixed(2)}, outbound/baseline ${(outboundRate / floor).toFixed(2)}`);
    socket.end(undefined);
  } finally {
    await simulator.stop();
    await rm(folder, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
  }
}

await main();
process.exit(0);
