import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import {
  makeWASocket,
  useMultiFileAuthState,
  type BaileysEventMap,
  type ConnectionState,
  type UserFacingSocketConfig,
  type WASocket,
} from '@whiskeysockets/baileys';
import type { WhatsAppSimulator } from '../../bridge/src/simulator/whatsAppSimulator.ts';
import type { SimulatedPhone } from '../../bridge/src/simulator/simulatedPhone.ts';
import type { LinkedDevice } from '../../bridge/src/simulator/linkedDevice.ts';
import { trustSimulatorRoot } from '../../bridge/src/simulator/trustSimulatorRoot.ts';

// As a Baileys that checks the Noise certificate chain would need (rc14 does not check it).
trustSimulatorRoot();

/** A real, unmodified Baileys client with a file auth state in a temporary folder. */
export class BaileysClient {
  readonly folder: string;
  socket: WASocket | undefined;
  readonly updates: Partial<ConnectionState>[] = [];
  /** Every messages.upsert of every socket this client started, from the socket's first moment. */
  readonly upserts: BaileysEventMap['messages.upsert'][] = [];

  private constructor(folder: string) {
    this.folder = folder;
  }

  static async create(): Promise<BaileysClient> {
    return new BaileysClient(await mkdtemp(join(tmpdir(), 'sim-baileys-')));
  }

  /** Starts a socket; `folder` lets a second client reuse another's creds; `options` override the config. */
  async connect(url: string, folder = this.folder, options: Partial<UserFacingSocketConfig> = {}): Promise<WASocket> {
    const { state, saveCreds } = await useMultiFileAuthState(folder);
    const socket = makeWASocket({
      auth: state,
      waWebSocketUrl: url,
      logger: pino({ level: process.env.TEST_BAILEYS_LOG ?? 'silent' }),
      markOnlineOnConnect: false,
      syncFullHistory: false,
      connectTimeoutMs: 10_000,
      ...options,
    });
    socket.ev.on('creds.update', () => void saveCreds());
    socket.ev.on('messages.upsert', (upsert) => this.upserts.push(upsert));
    socket.ev.on('connection.update', (update) => this.updates.push(update));
    this.socket = socket;
    return socket;
  }

  /** Resolves with the first connection.update matching `predicate` (from now on). */
  next(predicate: (update: Partial<ConnectionState>) => boolean, timeoutMs = 15_000): Promise<Partial<ConnectionState>> {
    const socket = this.socket;
    if (!socket) throw new Error('not connected');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.ev.off('connection.update', listener);
        reject(new Error(`timed out; updates so far: ${JSON.stringify(this.updates.map((u) => ({ ...u, qr: u.qr ? 'qr' : undefined })))}`));
      }, timeoutMs);
      const listener = (update: Partial<ConnectionState>): void => {
        if (!predicate(update)) return;
        clearTimeout(timer);
        socket.ev.off('connection.update', listener);
        resolve(update);
      };
      socket.ev.on('connection.update', listener);
    });
  }

  /** Pairs with `phone` through the QR flow and logs in; resolves once the connection is open. */
  async pair(simulator: WhatsAppSimulator, phone: SimulatedPhone, options: Partial<UserFacingSocketConfig> = {}): Promise<{ socket: WASocket; device: LinkedDevice }> {
    await this.connect(simulator.url, this.folder, options);
    const { qr } = await this.next((u) => typeof u.qr === 'string');
    const restarted = this.next((u) => u.connection === 'close');
    const device = await simulator.scan(qr as string, phone);
    await restarted;
    const socket = await this.connect(simulator.url, this.folder, options);
    await this.next((u) => u.connection === 'open');
    return { socket, device };
  }

  async dispose(): Promise<void> {
    this.socket?.end(undefined);
    // Baileys may still be writing creds from its last events; rm retries until it is done.
    await rm(this.folder, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
  }
}
