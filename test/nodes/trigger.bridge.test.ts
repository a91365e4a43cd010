/**
 * The trigger against a real bridge (in-process, real FerretDB and Redis): it subscribes and
 * unsubscribes itself, and verifies the signatures of the bridge's real deliveries.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WhatsAppBridgeTrigger } from '../../nodes/WhatsAppBridgeTrigger/WhatsAppBridgeTrigger.node';
import { hookContext, webhookContext } from '../support/n8nContext';
import { startTestBridge, type TestBridge } from '../support/stack';
import { eventually } from '../support/sessionWaits.ts';

let bridge: TestBridge;
let org: { id: string; apiKey: string };
let receiver: Server;
let receiverUrl: string;
/** The trigger's static data, as n8n keeps it for the active workflow. */
const staticData: IDataObject = {};
const received: Array<{ status: number; workflowData?: INodeExecutionData[][] }> = [];

const trigger = new WhatsAppBridgeTrigger();
const hooks = trigger.webhookMethods.default;
const hook = (parameters: IDataObject) =>
  hookContext({ credentials: { baseUrl: bridge.url, apiKey: org.apiKey }, parameters, staticData, webhookUrl: receiverUrl });

const message = {
  id: 'msg_bridge_1',
  session: 'shop',
  messageId: 'WA1',
  chat: '4915100000001@s.whatsapp.net',
  from: '4915100000001@s.whatsapp.net',
  fromMe: false,
  direction: 'in',
  type: 'text',
  text: 'Do you ship to Vienna?',
  media: null,
  location: null,
  quotedMessageId: null,
  status: 'delivered',
  timestamp: '2026-01-01T10:00:00.000Z',
  createdAt: '2026-01-01T10:00:00.000Z',
  pushName: 'Lena',
};

beforeAll(async () => {
  bridge = await startTestBridge({ label: 'n8ntrigger', env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' } });
  org = await bridge.createOrganization('n8n');
  // Stands in for n8n's webhook endpoint: hands the raw request to the trigger's webhook().
  receiver = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    const { ctx, response } = webhookContext({ parameters: { simplify: true }, staticData, request: { headers, rawBody: Buffer.concat(chunks) } });
    const result = await trigger.webhook.call(ctx);
    const status = response.ended ? response.statusCode : 200;
    received.push({ status, workflowData: result.workflowData });
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(response.body ?? result.webhookResponse ?? { ok: true }));
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhook/wf/webhook`;
}, 60_000);

afterAll(async () => {
  await bridge?.close();
  await new Promise<void>((resolve) => receiver?.close(() => resolve()));
});

describe('trigger against a real bridge', () => {
  it('subscribes itself, keeps the subscription in line with the node, and unsubscribes', async () => {
    const ctx = hook({ events: ['message.received', 'session.status'], sessions: '' });
    expect(await hooks.checkExists.call(ctx)).toBe(false);
    expect(await hooks.create.call(ctx)).toBe(true);
    expect(String(staticData.webhookId)).toMatch(/^whk_/);
    expect(String(staticData.webhookSecret)).toMatch(/^whsec_/);
    const listed = await bridge.request('GET', '/v1/webhooks', { key: org.apiKey });
    expect(listed.body.data).toEqual([expect.objectContaining({ id: staticData.webhookId, url: receiverUrl, events: ['message.received', 'session.status'], sessions: null })]);
    expect(await hooks.checkExists.call(ctx)).toBe(true);

    // The node's events and sessions changed while the webhook stayed: checkExists updates it.
    expect(await hooks.checkExists.call(hook({ events: ['message.received'], sessions: 'shop' }))).toBe(true);
    const updated = await bridge.request('GET', `/v1/webhooks/${String(staticData.webhookId)}`, { key: org.apiKey });
    expect(updated.body).toMatchObject({ events: ['message.received'], sessions: ['shop'] });

    const id = String(staticData.webhookId);
    expect(await hooks.delete.call(ctx)).toBe(true);
    expect((await bridge.request('GET', `/v1/webhooks/${id}`, { key: org.apiKey })).status).toBe(404);
    expect(staticData).toEqual({});
    expect(await hooks.checkExists.call(ctx)).toBe(false);
    // Subscribed again (message.received, all sessions) for the rest of this file.
    expect(await hooks.create.call(hook({ events: ['message.received'], sessions: '' }))).toBe(true);
  });

  it('answers the bridge’s test ping without starting the workflow', async () => {
    const before = received.length;
    const res = await bridge.request('POST', `/v1/webhooks/${String(staticData.webhookId)}/test`, { key: org.apiKey });
    expect(res.status).toBe(202);
    const ping = await eventually('the test ping', () => received[before]);
    expect(ping).toEqual({ status: 200, workflowData: undefined });
  });

  it('starts the workflow with the simplified message for a real, signed delivery', async () => {
    const before = received.length;
    const { event } = await bridge.bridge.events.record({ organizationId: org.id, type: 'message.received', session: 'shop', data: message });
    const delivery = await eventually('the delivery', () => received.slice(before).find((r) => r.workflowData));
    expect(delivery.status).toBe(200);
    expect(delivery.workflowData).toEqual([
      [
        {
          json: {
            event: 'message.received',
            eventId: event.id,
            session: 'shop',
            id: 'msg_bridge_1',
            messageId: 'WA1',
            chat: '4915100000001@s.whatsapp.net',
            from: '4915100000001@s.whatsapp.net',
            fromMe: false,
            direction: 'in',
            type: 'text',
            text: 'Do you ship to Vienna?',
            status: 'delivered',
            quotedMessageId: null,
            timestamp: '2026-01-01T10:00:00.000Z',
            pushName: 'Lena',
          },
        },
      ],
    ]);
  });

  it('answers 401 to a delivery signed with another secret, starts nothing, and the bridge logs the 401', async () => {
    const realSecret = staticData.webhookSecret;
    staticData.webhookSecret = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;
    try {
      const before = received.length;
      await bridge.bridge.events.record({ organizationId: org.id, type: 'message.received', session: 'shop', data: { ...message, id: 'msg_bridge_2', messageId: 'WA2' } });
      const attempt = await eventually('the delivery attempt', () => received[before]);
      expect(attempt).toEqual({ status: 401, workflowData: undefined });
      const log = await eventually('the 401 in the bridge’s attempt log', async () => {
        const res = await bridge.request('GET', `/v1/webhooks/${String(staticData.webhookId)}/deliveries`, { key: org.apiKey });
        return JSON.stringify(res.body).includes('401') ? res.body : undefined;
      });
      expect(JSON.stringify(log)).toContain('401');
    } finally {
      staticData.webhookSecret = realSecret;
    }
  });
});
