/**
 * Ceiling a of the burst benchmark: a bare Baileys client (makeWASocket, multi-file auth state in
 * a temp folder) that only decrypts. Pushes `qr` for the parent to scan and `open` once logged in;
 * after `expect(ids)` it pushes `done` with the time messages.upsert had emitted all of them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { makeWASocket, useMultiFileAuthState, type WASocket } from '@whiskeysockets/baileys';
import { trustSimulatorRoot } from '../../bridge/src/simulator/trustSimulatorRoot.ts';
import { emit, now, serve } from './ipc.ts';

trustSimulatorRoot();
const url = process.argv[2];
const folder = await mkdtemp(join(tmpdir(), 'burst-bare-'));
let socket: WASocket | undefined;
let expected: Set<string> | undefined;
const seen = new Set<string>();
let upserts = 0;

async function connect(): Promise<void> {
  const { state, saveCreds } = await useMultiFileAuthState(folder);
  const s = makeWASocket({ auth: state, waWebSocketUrl: url, logger: pino({ level: 'silent' }), markOnlineOnConnect: false });
  socket = s;
  s.ev.on('creds.update', () => void saveCreds());
  s.ev.on('connection.update', (u) => {
    if (typeof u.qr === 'string') emit('qr', { qr: u.qr });
    if (u.connection === 'open') emit('open');
    // After the scan WhatsApp closes the stream (515, restart required): log in again.
    if (u.connection === 'close' && s === socket) void connect();
  });
  s.ev.on('messages.upsert', (u) => {
    for (const m of u.messages) {
      if (m.key.fromMe || !m.key.id) continue;
      upserts += 1;
      if (!expected?.has(m.key.id) || seen.has(m.key.id)) continue;
      seen.add(m.key.id);
      if (seen.size === expected.size) emit('done', { at: now(), upserts });
    }
  });
}

serve({
  expect({ ids }: { ids: string[] }) {
    expected = new Set(ids);
    seen.clear();
  },
  progress() {
    return { seen: seen.size, upserts };
  },
  async stop() {
    const s = socket;
    socket = undefined;
    s?.end(undefined);
    await rm(folder, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
    setImmediate(() => process.exit(0));
  },
});
emit('ready');
await connect();
