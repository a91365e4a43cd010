/**
 * End to end in a real n8n against a real bridge: the example workflow of docs/ (WhatsApp Bridge
 * Trigger → Reply) is imported with n8n's CLI and activated through n8n's REST API; the trigger
 * subscribes itself on the bridge; the bridge delivers a signed message.received event to n8n,
 * which runs the workflow and replies through the bridge; deactivating deletes the webhook.
 *
 * Only WhatsApp itself is simulated (the fake WhatsApp socket): the session is created over the
 * API and paired by "scanning" its QR code; storage, events, webhook signing and delivery, and
 * the send route are the bridge's own.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestBridge, type TestBridge } from '../support/stack';
import { textMessage } from '../support/waMessages';
import type { FakeSocket } from '../support/fakeSocket';
import { createN8n, type N8n } from './n8nHarness';

const ROOT = join(import.meta.dirname, '..', '..');
const WORKFLOW_ID = 'wabE2eWorkflow01';
const CREDENTIAL_ID = 'whatsAppBridge01';
const TRIGGER_WEBHOOK_ID = '0b6d2f4e-3c1a-4f8e-9d7b-5a2c1e0f9b01';
const PEER = '4915100000001@s.whatsapp.net';

async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

let n8n: N8n;
let bridge: TestBridge;
let socket: FakeSocket;
let org: { id: string; apiKey: string };
const timings: Record<string, number> = {};
async function executions(filter: Record<string, unknown> = {}): Promise<Array<{ id: string; status: string }>> {
  const res = await n8n.rest('GET', `/executions?filter=${encodeURIComponent(JSON.stringify({ workflowId: WORKFLOW_ID, ...filter }))}`);
  expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(200);
  return res.body.data.results;
}

async function webhooksOnBridge(): Promise<Array<{ id: string; url: string; events: string[] }>> {
  const res = await bridge.request('GET', '/v1/webhooks', { key: org.apiKey });
  expect(res.status).toBe(200);
  return res.body.data;
}

beforeAll(async () => {
  const t0 = Date.now();
  // n8n listens on 127.0.0.1: the bridge must be allowed to deliver to a private address.
  bridge = await startTestBridge({ label: 'n8ne2e', env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' } });
  org = await bridge.createOrganization('n8n-e2e');
  // A connected session "sales": create, scan the QR with the fake phone, wait for connected.
  expect((await bridge.request('POST', '/v1/sessions', { key: org.apiKey, body: { name: 'sales' } })).status).toBe(201);
  (await bridge.whatsapp.waitFor('sales')).scanQr('4915550002222', 'Sales Phone');
  await waitFor('the session to connect', async () => {
    const res = await bridge.request('GET', '/v1/sessions/sales', { key: org.apiKey });
    return res.body.status === 'connected' ? true : undefined;
  });
  socket = await bridge.whatsapp.waitFor('sales', (s) => s.state === 'open');

  n8n = await createN8n();
  const workflow = JSON.parse(readFileSync(join(ROOT, 'docs', 'n8n-example-workflow.json'), 'utf8'));
  workflow.id = WORKFLOW_ID;
  n8n.cli([
    'import:credentials',
    `--input=${n8n.writeJson('credentials.json', [{ id: CREDENTIAL_ID, name: 'WhatsApp Bridge account', type: 'whatsAppBridgeApi', data: { baseUrl: bridge.url, apiKey: org.apiKey } }])}`,
  ]);
  n8n.cli(['import:workflow', `--input=${n8n.writeJson('workflow.json', workflow)}`]);
  timings.import = Date.now() - t0;
  const t1 = Date.now();
  await n8n.start();
  timings.n8nStart = Date.now() - t1;
  await n8n.login();
}, 400_000);

let failed = false;
afterEach((context) => {
  if (context.task.result?.state === 'fail') failed = true;
});

afterAll(async () => {
  console.log(`[e2e] timings (ms): ${JSON.stringify(timings)}`);
  if (n8n) {
    // n8n's own log tells why a workflow did not run.
    if (failed || process.env.N8N_E2E_SHOW_LOG) console.log(`[e2e] n8n log (tail):\n${n8n.log().slice(-8000)}`);
    await n8n.destroy();
  }
  await bridge?.close();
}, 60_000);

describe('the package in a real n8n with a real bridge', () => {
  it('loads both nodes from the installed package, and the credential test calls the bridge with the key', async () => {
    const nodes = await n8n.rest('POST', '/node-types', {
      nodeInfos: [
        { name: 'n8n-nodes-whatsapp-bridge.whatsAppBridge', version: 1 },
        { name: 'n8n-nodes-whatsapp-bridge.whatsAppBridgeTrigger', version: 1 },
      ],
    });
    expect(nodes.status, JSON.stringify(nodes.body).slice(0, 500)).toBe(200);
    const loaded = (nodes.body.data as Array<{ name: string; displayName: string }>).map((n) => `${n.name}: ${n.displayName}`);
    expect(loaded.sort()).toEqual(['whatsAppBridge: WhatsApp Bridge', 'whatsAppBridgeTrigger: WhatsApp Bridge Trigger']);

    const credential = (key: string) => ({ credentials: { id: CREDENTIAL_ID, name: 'WhatsApp Bridge account', type: 'whatsAppBridgeApi', data: { baseUrl: `${bridge.url}/`, apiKey: key } } });
    const good = await n8n.rest('POST', '/credentials/test', credential(org.apiKey));
    expect(good.body.data?.status, JSON.stringify(good.body)).toBe('OK');
    const bad = await n8n.rest('POST', '/credentials/test', credential('wab_not_a_real_key_000000000000'));
    expect(bad.body.data?.status, JSON.stringify(bad.body)).toBe('Error');
  });

  it('activation subscribes the trigger; a WhatsApp message runs the workflow, which replies; deactivation unsubscribes', async () => {
    expect(await webhooksOnBridge()).toEqual([]);
    const t0 = Date.now();
    const wf = await n8n.rest('GET', `/workflows/${WORKFLOW_ID}`);
    expect(wf.status).toBe(200);
    const activate = await n8n.rest('POST', `/workflows/${WORKFLOW_ID}/activate`, { versionId: wf.body.data.versionId });
    expect(activate.status, JSON.stringify(activate.body).slice(0, 1000)).toBe(200);
    timings.activate = Date.now() - t0;

    // The trigger created exactly one webhook on the bridge, for this workflow's production URL.
    const [webhook, ...others] = await webhooksOnBridge();
    expect(others).toEqual([]);
    expect(webhook).toMatchObject({ url: `${n8n.url}/webhook/${TRIGGER_WEBHOOK_ID}/webhook`, events: ['message.received'] });

    // The bridge's test ping is answered 200 by the trigger and starts nothing.
    expect((await bridge.request('POST', `/v1/webhooks/${webhook.id}/test`, { key: org.apiKey })).status).toBe(202);
    await waitFor('the ping to be delivered', async () => {
      const res = await bridge.request('GET', `/v1/webhooks/${webhook.id}/deliveries`, { key: org.apiKey });
      return res.body.data?.some((d: { status: string }) => d.status === 'succeeded') ? true : undefined;
    });

    // A customer writes: the bridge stores the message and delivers the signed event to n8n.
    const t1 = Date.now();
    const inbound = textMessage('Hello n8n', { chat: PEER });
    socket.receive([inbound]);
    const reply = await waitFor('the reply on the WhatsApp socket', () => socket.sent.find((m) => JSON.stringify(m.content).includes('Thanks! We got your message: Hello n8n')));
    timings.messageToReply = Date.now() - t1;
    expect(reply.jid).toBe(PEER);
    const runs = await waitFor('the execution to be stored', async () => {
      const list = await executions();
      return list.length && list.every((e) => e.status !== 'running' && e.status !== 'new') ? list : undefined;
    });
    expect(runs.map((e) => e.status)).toEqual(['success']);
    const delivered = await bridge.request('GET', `/v1/webhooks/${webhook.id}/deliveries`, { key: org.apiKey });
    expect(delivered.body.data.filter((d: { status: string }) => d.status === 'succeeded')).toHaveLength(2);

    // The reply is stored on the bridge as an outgoing message in the customer's chat; sent once,
    // though the workflow passed the event id as Idempotency-Key.
    const out = await waitFor('the outgoing message on the bridge', async () => {
      const res = await bridge.request('GET', '/v1/messages?session=sales&direction=out', { key: org.apiKey });
      return res.body.data?.[0];
    });
    expect(out).toMatchObject({ chat: PEER, direction: 'out', fromMe: true, text: 'Thanks! We got your message: Hello n8n' });
    expect(socket.sent).toHaveLength(1);

    // A reply WhatsApp refuses fails the execution, with the bridge's error in n8n's run data.
    socket.failNextSend = new Error('WhatsApp refused the message (test)');
    socket.receive([textMessage('Second message', { chat: PEER })]);
    const failedRun = await waitFor('the failed execution', async () => (await executions({ status: ['error'] }))[0]);
    const detail = await n8n.rest('GET', `/executions/${failedRun.id}`);
    const runData = String(detail.body.data.data); // n8n stores run data "flatted"
    expect(runData).toContain('NodeApiError');
    expect(runData).toContain('WhatsApp refused the message (test) [send_failed]');

    // Deactivation deletes the webhook on the bridge.
    const deactivate = await n8n.rest('POST', `/workflows/${WORKFLOW_ID}/deactivate`, {});
    expect(deactivate.status, JSON.stringify(deactivate.body).slice(0, 1000)).toBe(200);
    expect(await webhooksOnBridge()).toEqual([]);
    expect((await bridge.request('GET', `/v1/webhooks/${webhook.id}`, { key: org.apiKey })).status).toBe(404);
    expect((await executions()).map((e) => e.status).sort()).toEqual(['error', 'success']);
  });
});
