import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, uniqueName } from '../../support/stack.ts';
import { until } from '../../support/sessionWaits.ts';
import { launchBridge, removeDeployment, type BridgeProcess } from '../../support/bridgeProcess.ts';
import { startReceiver, type Receiver } from '../webhooks/receiver.ts';

/**
 * BRIDGE_ROLES: an API-only process and a worker process (sessions, inbound, webhooks) serve a
 * whole flow between them, on one database and Redis: the API creates a session the worker runs,
 * the worker stores what arrives and delivers the webhooks, the API lists it and sends through the
 * worker's socket.
 */
const deployment = { dbName: uniqueName('roles'), prefix: uniqueName('roles'), encryptionKey: randomBytes(32).toString('base64') };
let api: BridgeProcess;
let worker: BridgeProcess;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  const common = { SESSION_LEASE_MS: '1500', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' };
  [api, worker] = await Promise.all([
    launchBridge(deployment, 'api-only', { ...common, BRIDGE_ROLES: 'api' }),
    launchBridge(deployment, 'worker', { ...common, BRIDGE_ROLES: 'sessions,inbound,webhooks' }),
  ]);
});
afterAll(async () => {
  await removeDeployment(deployment, [api, worker].filter(Boolean));
  await receiver?.close();
});

describe('BRIDGE_ROLES', () => {
  it('an API-only process and a worker process serve a whole flow between them', async () => {
    const org = await api.call('POST', '/v1/admin/organizations', { name: 'Roles' }, ADMIN_KEY);
    const key = org.body.apiKey as string;
    expect((await api.call('POST', '/v1/webhooks', { url: `${receiver.url}/hook`, events: ['message.received', 'message.sent'] }, key)).status).toBe(201);

    // The API process creates the session; only the worker runs its socket.
    expect((await api.call('POST', '/v1/sessions', { name: 'shop' }, key)).status).toBe(201);
    await until(async () => (await api.call('GET', '/v1/sessions/shop', undefined, key)).body.status === 'qr_ready', 10_000, 'QR shown by the worker');
    expect((await worker.call('POST', '/__fake/scan/shop')).status).toBe(200);
    await until(async () => (await api.call('GET', '/v1/sessions/shop', undefined, key)).body.status === 'connected', 10_000, 'connected');
    expect((await api.fakeState()).sockets).toEqual([]);
    expect((await worker.fakeState()).owned).toHaveLength(1);

    // Inbound on the worker: stored, delivered by the worker's webhook worker, listed by the API.
    expect((await worker.call('POST', '/__fake/receive/shop', { count: 3 })).status).toBe(200);
    await until(() => receiver.received.filter((r) => r.json.type === 'message.received').length === 3, 10_000, 'three message.received delivered');
    const listed = await api.call('GET', '/v1/messages?session=shop', undefined, key);
    expect(listed.status).toBe(200);
    expect(listed.body.data).toHaveLength(3);

    // A send on the API process goes out through the worker's socket.
    const sent = await api.call('POST', '/v1/sessions/shop/messages', { to: '4915100000001', text: 'from the API process' }, key);
    expect(sent.status).toBe(202);
    const onWorker = (await worker.fakeState()).sockets.find((s) => s.state === 'open')!;
    expect(onWorker.sent).toEqual([{ jid: '4915100000001@s.whatsapp.net', content: { text: 'from the API process' } }]);
    await until(() => receiver.received.some((r) => r.json.type === 'message.sent'), 10_000, 'message.sent delivered');

    // The worker serves no API, only the operational endpoints.
    expect((await worker.call('GET', '/v1/sessions', undefined, key)).status).toBe(404);
    expect((await worker.call('GET', '/healthz')).status).toBe(200);
    expect((await worker.call('GET', '/readyz')).status).toBe(200);
  });

  it('an unknown role stops the process with one line naming the variable', async () => {
    await expect(launchBridge(deployment, 'bad', { BRIDGE_ROLES: 'api,everything' })).rejects.toThrow(/Invalid configuration: BRIDGE_ROLES must list some of api, sessions, inbound, webhooks/);
  });
});
