import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBridge, type TestBridge } from '../../support/stack.ts';
import { hasStatus, until, waitForSession } from '../../support/sessionWaits.ts';
import { textMessage, messageId, PEER } from '../../support/waMessages.ts';

/**
 * The whole path with the real session manager (not a fake gateway): a paired session's socket
 * delivers a message → it is stored once → a signed webhook reaches a receiver; a reply sent
 * through the API leaves through the same session's socket.
 */
interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

let bridge: TestBridge;
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
  bridge = await startTestBridge({ label: 'flow', env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' } });
});
afterAll(async () => {
  await bridge?.close();
  await new Promise((r) => receiver.close(r));
});

function verify(secret: string, r: Received): boolean {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const signed = `${r.headers['webhook-id']}.${r.headers['webhook-timestamp']}.${r.body}`;
  const expected = createHmac('sha256', key).update(signed).digest('base64');
  return String(r.headers['webhook-signature']).split(' ').includes(`v1,${expected}`);
}

describe('session → messages → webhook, through the real session manager', () => {
  it('pairs, receives a message once, delivers it signed, and sends a reply', async () => {
    const org = await bridge.createOrganization('Flow');
    const hook = await bridge.request('POST', '/v1/webhooks', {
      key: org.apiKey,
      body: { url: receiverUrl, events: ['message.received', 'session.status'] },
    });
    expect(hook.status).toBe(201);

    expect((await bridge.request('POST', '/v1/sessions', { key: org.apiKey, body: { name: 'main' } })).status).toBe(201);
    await waitForSession(bridge, org.apiKey, 'main', hasStatus('qr_ready'));
    const qr = await bridge.request('GET', '/v1/sessions/main/qr', { key: org.apiKey });
    expect(qr.status).toBe(200);
    (await bridge.whatsapp.waitFor('main', (s) => !s.ended)).scanQr('4915550001111', 'Shop');
    await waitForSession(bridge, org.apiKey, 'main', hasStatus('connected'));

    const socket = await bridge.whatsapp.waitFor('main', (s) => s.state === 'open');
    const id = messageId();
    const incoming = textMessage('Is the shop open today?', { id, chat: PEER });
    socket.receive([incoming]);
    socket.receive([incoming]); // WhatsApp redelivers

    await until(async () => received.some((r) => JSON.parse(r.body).type === 'message.received'), 15_000, 'message.received webhook');
    await new Promise((r) => setTimeout(r, 500));
    const deliveries = received.filter((r) => JSON.parse(r.body).type === 'message.received');
    expect(deliveries).toHaveLength(1);
    const event = JSON.parse(deliveries[0].body);
    expect(event).toMatchObject({ type: 'message.received', session: 'main', data: { messageId: id, text: 'Is the shop open today?', chat: PEER } });
    expect(verify(hook.body.secret, deliveries[0])).toBe(true);
    expect(received.some((r) => JSON.parse(r.body).type === 'session.status' && JSON.parse(r.body).data.status === 'connected')).toBe(true);

    const list = await bridge.request('GET', '/v1/messages?session=main&direction=in', { key: org.apiKey });
    expect(list.body.data.map((m: { messageId: string }) => m.messageId)).toEqual([id]);

    const reply = await bridge.request('POST', '/v1/sessions/main/messages', { key: org.apiKey, body: { to: '+49 151 23456789', text: 'Yes, until 6pm' } });
    expect(reply.status).toBe(202);
    expect(socket.sent.map((s) => [s.jid, (s.content as { text?: string }).text])).toEqual([['4915123456789@s.whatsapp.net', 'Yes, until 6pm']]);
    const stored = await bridge.request('GET', `/v1/messages/${reply.body.id}`, { key: org.apiKey });
    expect(stored.body).toMatchObject({ direction: 'out', fromMe: true, text: 'Yes, until 6pm', session: 'main' });
  });
});
