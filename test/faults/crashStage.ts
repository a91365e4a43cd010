import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { WhatsAppSimulator } from '../../bridge/src/simulator/whatsAppSimulator.ts';
import type { LinkedDevice } from '../../bridge/src/simulator/linkedDevice.ts';
import type { SimulatedContact } from '../../bridge/src/simulator/simulatedContact.ts';
import { BAILEYS_MAIN, launchBridge, removeDeployment, type BridgeProcess, type Deployment } from '../support/bridgeProcess.ts';
import { ADMIN_KEY, MONGODB_URI, uniqueName } from '../support/stack.ts';
import { startRecordingServer, type RecordedRequest, type RecordingServer } from '../support/recordingServer.ts';
import { hasStatus, until, waitForQr, waitForSession } from '../support/sessionWaits.ts';
import { FAULT_RETRY_SCHEDULE, type TallySource } from './faultHarness.ts';

/**
 * Whole bridge processes (the real bridge, the real Baileys) of one deployment on one host (one
 * spool folder), that a scenario can kill -9 and start again, paired with a simulated phone; a
 * contact that writes to it; a webhook receiver. WhatsApp's server keeps what a device did not
 * acknowledge and redelivers it at the next login, as the real one does.
 */
export interface CrashStage extends TallySource {
  simulator: WhatsAppSimulator;
  device: LinkedDevice;
  contact: SimulatedContact;
  key: string;
  processes: BridgeProcess[];
  /** Starts another process of the deployment. */
  launch(name: string): Promise<BridgeProcess>;
  /** kill -9, and waits until WhatsApp sees the device offline. */
  kill(process: BridgeProcess): Promise<void>;
  /** The process that holds the session's WhatsApp connection now. */
  owner(): Promise<BridgeProcess | undefined>;
  /** Stored messages with content (of `ids`, or every inbound one). */
  storedCount(ids?: string[]): Promise<number>;
  close(): Promise<void>;
}

const asBridge = (p: BridgeProcess) => ({
  request: async (method: string, path: string, opts: { key?: string; body?: unknown } = {}) => ({ ...(await p.call(method, path, opts.body, opts.key)), headers: new Headers() }),
});

export async function crashStage(label: string, env: Record<string, string> = {}): Promise<CrashStage> {
  const simulator = await WhatsAppSimulator.start();
  simulator.queueWhileOffline = true;
  const accepted: RecordedRequest[] = [];
  const receiver: RecordingServer = await startRecordingServer((request) => {
    accepted.push(request);
    return { status: 204 };
  });
  const deployment: Deployment = { dbName: uniqueName(label), prefix: uniqueName(label), encryptionKey: randomBytes(32).toString('base64') };
  const spool = await mkdtemp(join(tmpdir(), `crash-${label}-`));
  const mongo = new MongoClient(MONGODB_URI);
  const messages = mongo.db(deployment.dbName).collection<{ messageId: string; text: string | null; direction: string }>('messages');
  const processes: BridgeProcess[] = [];
  const launch = async (name: string) => {
    const p = await launchBridge(
      deployment,
      name,
      {
        WA_WEBSOCKET_URL: simulator.url,
        WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
        WEBHOOK_RETRY_SCHEDULE: FAULT_RETRY_SCHEDULE,
        SESSION_LEASE_MS: '3000',
        BRIDGE_SPOOL_DIR: spool,
        ...env,
      },
      BAILEYS_MAIN,
    );
    processes.push(p);
    return p;
  };

  const first = await launch(`${label}-1`);
  const org = await first.call('POST', '/v1/admin/organizations', { name: label }, ADMIN_KEY);
  if (org.status !== 201) throw new Error(`organization: ${org.status} ${JSON.stringify(org.body)}`);
  const key = org.body.apiKey as string;
  await first.call('POST', '/v1/webhooks', { url: `${receiver.url}/hook`, events: ['message.received'] }, key);
  await first.call('POST', '/v1/sessions', { name: 'main' }, key);
  const phone = simulator.createPhone(`1555${String(Date.now()).slice(-7)}`, 'Crash Phone');
  const device = await simulator.scan(await waitForQr(asBridge(first), key, 'main', 30_000), phone);
  await waitForSession(asBridge(first), key, 'main', hasStatus('connected'), 60_000);
  const contact = simulator.createContact(undefined, 'Crash Contact');
  const alive = () => processes.filter((p) => p.child.exitCode === null && p.child.signalCode === null);

  return {
    simulator,
    device,
    contact,
    key,
    processes,
    accepted,
    launch,
    storedDocs: (ids) => messages.find({ messageId: { $in: ids } }, { projection: { messageId: 1, text: 1 } }).toArray(),
    storedCount: (ids) => messages.countDocuments({ ...(ids ? { messageId: { $in: ids } } : { direction: 'in' }), text: { $ne: null } }),
    async kill(p) {
      const exited = new Promise((resolve) => p.child.once('exit', resolve));
      p.child.kill('SIGKILL');
      await exited;
      await until(() => !simulator.connectionOf(device), 30_000, 'WhatsApp sees the device offline');
    },
    async owner() {
      // Each process says how many sessions it owns (its metrics).
      for (const p of alive()) {
        const metrics = await p.call('GET', '/metrics').catch(() => undefined);
        const owned = String(metrics?.body ?? '').match(/^wab_sessions_owned(?:\{[^}]*\})? (\d+)/m);
        if (owned && Number(owned[1]) > 0) return p;
      }
      return undefined;
    },
    async close() {
      await removeDeployment(deployment, processes);
      await mongo.close();
      await receiver.close();
      await simulator.stop();
      await rm(spool, { recursive: true, force: true });
    },
  };
}
