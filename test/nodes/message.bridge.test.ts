/**
 * The message operations against a real bridge (in-process, real FerretDB and Redis; the fake
 * WhatsApp socket behind the messages feature's fake session gateway).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeSocket } from '../support/fakeSocket';
import { startMessagingBridge, waitUntil, type MessagingTestBridge } from '../support/messagingBridge';
import { PEER, textMessage } from '../support/waMessages';
import { runNode } from './helpers';

let bridge: MessagingTestBridge;
let apiKey: string;
let socket: FakeSocket;
const credentials = () => ({ baseUrl: bridge.url, apiKey });

beforeAll(async () => {
  bridge = await startMessagingBridge({ label: 'n8nmessages' });
  const org = await bridge.createOrganization('n8n');
  apiKey = org.apiKey;
  socket = bridge.gateway.connect(org.id, 'shop');
}, 60_000);

afterAll(async () => {
  await bridge?.close();
});

describe('message operations against a real bridge', () => {
  it('Send Text sends once per item, and an idempotency key sends only once however often the item runs', async () => {
    const parameters = { resource: 'message', operation: 'sendText', session: 'shop', to: PEER, text: 'Order 7 shipped', options: { idempotencyKey: 'order-7-shipped' } };
    const first = await runNode({ credentials: credentials(), items: [{ json: {} }, { json: {} }], parameters });
    expect(first.map((o) => o.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
    expect(first[1].json.id).toBe(first[0].json.id);
    const again = await runNode({ credentials: credentials(), parameters });
    expect(again[0].json.id).toBe(first[0].json.id);
    expect(socket.sent.filter((m) => JSON.stringify(m.content).includes('Order 7 shipped'))).toHaveLength(1);
  });

  it('Send Media from binary data reaches WhatsApp as a document with its MIME type and file name', async () => {
    const pdf = Buffer.from('%PDF-1.4 invoice 7');
    const out = await runNode({
      credentials: credentials(),
      items: [{ json: {}, binary: { data: { data: pdf.toString('base64'), mimeType: 'application/pdf', fileName: 'invoice-7.pdf' } } }],
      parameters: { resource: 'message', operation: 'sendMedia', session: 'shop', to: PEER, mediaType: 'document', source: 'binary', binaryPropertyName: 'data', options: { caption: 'Your invoice' } },
    });
    expect(out[0].json).toMatchObject({ session: 'shop', type: 'document' });
    const sent = await waitUntil(() => socket.sent.some((m) => (m.content as { fileName?: string }).fileName === 'invoice-7.pdf'), 10_000, 'the document on the socket').then(() =>
      socket.sent.find((m) => (m.content as { fileName?: string }).fileName === 'invoice-7.pdf')!,
    );
    const content = sent.content as { document: Buffer; mimetype: string; caption: string };
    expect(content.mimetype).toBe('application/pdf');
    expect(content.caption).toBe('Your invoice');
    expect(Buffer.from(content.document).equals(pdf)).toBe(true);
  });

  it('Get Many follows the cursor across several pages of stored messages; Get finds one', async () => {
    const chat = '4917000000001@s.whatsapp.net';
    const start = Date.now() - 3_600_000;
    for (let batch = 0; batch < 5; batch++) {
      socket.receive(Array.from({ length: 50 }, (_, i) => textMessage(`bulk ${batch * 50 + i}`, { chat, at: start + (batch * 50 + i) * 1000 })), 'append');
    }
    let all: Awaited<ReturnType<typeof runNode>> = [];
    await waitUntil(async () => {
      all = await runNode({ credentials: credentials(), parameters: { resource: 'message', operation: 'getMany', returnAll: true, filters: { chat } } });
      return all.length === 250;
    }, 20_000, '250 stored messages');
    expect(new Set(all.map((o) => o.json.id)).size).toBe(250);
    expect(all[0].json.text).toBe('bulk 249');
    expect(all[249].json.text).toBe('bulk 0');

    const limited = await runNode({ credentials: credentials(), parameters: { resource: 'message', operation: 'getMany', returnAll: false, limit: 210, filters: { chat, direction: 'in', type: 'text' } } });
    expect(limited.map((o) => o.json.text)).toEqual(all.slice(0, 210).map((o) => o.json.text));

    const one = await runNode({ credentials: credentials(), parameters: { resource: 'message', operation: 'get', messageId: all[5].json.id } });
    expect(one[0].json).toMatchObject({ id: all[5].json.id, text: 'bulk 244', chat });
  });

  it('the bridge’s errors reach the items as its messages and codes', async () => {
    const out = await runNode({
      credentials: credentials(),
      continueOnFail: true,
      items: [{ json: {} }, { json: {} }],
      parameters: [
        { resource: 'message', operation: 'sendText', session: 'nosuch', to: PEER, text: 'x', options: {} },
        { resource: 'message', operation: 'get', messageId: 'msg_does_not_exist' },
      ],
    });
    expect(out[0]).toMatchObject({ json: { httpCode: '404' }, pairedItem: { item: 0 } });
    expect(String(out[0].json.error)).toContain('[session_not_found]');
    expect(out[1]).toMatchObject({ json: { httpCode: '404' }, pairedItem: { item: 1 } });
  });
});
