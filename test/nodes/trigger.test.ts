import { randomBytes } from 'node:crypto';
import type { IDataObject } from 'n8n-workflow';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sign } from '../../nodes/WhatsAppBridgeTrigger/signature';
import { WhatsAppBridgeTrigger } from '../../nodes/WhatsAppBridgeTrigger/WhatsAppBridgeTrigger.node';
import { hookContext, webhookContext } from '../support/n8nContext';
import { bridgeError, startRecordingServer, type RecordingServer } from '../support/recordingServer';
import { API_KEY } from './helpers';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const WEBHOOK_URL = 'https://n8n.example.com/webhook/abc/webhook';
const hooks = new WhatsAppBridgeTrigger().webhookMethods.default;

let server: RecordingServer;
let stored: Map<string, IDataObject>;
beforeAll(async () => {
  server = await startRecordingServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  stored = new Map();
  let n = 0;
  server.handle((req) => {
    const id = req.path.split('/')[3];
    if (req.method === 'POST' && req.path === '/v1/webhooks') {
      const webhook = { id: `wh_${++n}`, ...req.body, enabled: true };
      stored.set(webhook.id, webhook);
      return { status: 201, body: { ...webhook, secret: SECRET } };
    }
    if (req.method === 'GET' && stored.has(id)) return { body: stored.get(id) };
    if (req.method === 'PATCH' && stored.has(id)) {
      const webhook = { ...stored.get(id), ...req.body };
      stored.set(id, webhook);
      return { body: webhook };
    }
    if (req.method === 'DELETE' && stored.delete(id)) return { status: 204 };
    return bridgeError(404, 'not_found', 'Webhook not found');
  });
});

function hook(parameters: IDataObject, staticData: IDataObject, webhookUrl = WEBHOOK_URL) {
  return hookContext({ credentials: { baseUrl: server.url, apiKey: API_KEY }, parameters, staticData, webhookUrl, workflowId: 'wf42' });
}

describe('Trigger: subscription', () => {
  it('create subscribes the workflow URL with the chosen events and sessions and keeps id and secret', async () => {
    const staticData: IDataObject = {};
    const ctx = hook({ events: ['message.received', 'session.status'], sessions: 'sales, support' }, staticData);
    expect(await hooks.checkExists.call(ctx)).toBe(false);
    expect(await hooks.create.call(ctx)).toBe(true);
    const post = server.requests.find((r) => r.method === 'POST')!;
    expect(post.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(post.body).toEqual({
      url: WEBHOOK_URL,
      events: ['message.received', 'session.status'],
      sessions: ['sales', 'support'],
      description: 'n8n: workflow wf42 node "WhatsApp Bridge Trigger"',
    });
    expect(staticData).toEqual({ webhookId: 'wh_1', webhookSecret: SECRET, webhookUrl: WEBHOOK_URL });
    expect(await hooks.checkExists.call(ctx)).toBe(true);
  });

  it('checkExists brings a changed subscription in line (events, sessions, disabled) instead of leaving it stale', async () => {
    const staticData: IDataObject = {};
    await hooks.create.call(hook({ events: ['message.received'], sessions: 'sales' }, staticData));
    server.requests.length = 0;
    expect(await hooks.checkExists.call(hook({ events: ['message.received'], sessions: 'sales' }, staticData))).toBe(true);
    expect(server.requests.map((r) => r.method)).toEqual(['GET']);

    stored.set('wh_1', { ...stored.get('wh_1'), enabled: false });
    expect(await hooks.checkExists.call(hook({ events: ['message.sent', 'message.received'], sessions: '' }, staticData))).toBe(true);
    const patch = server.requests.find((r) => r.method === 'PATCH')!;
    expect(patch.path).toBe('/v1/webhooks/wh_1');
    expect(patch.body).toEqual({ events: ['message.received', 'message.sent'], sessions: null, enabled: true });
    expect(stored.size).toBe(1);
  });

  it('omits sessions when none are chosen', async () => {
    await hooks.create.call(hook({ events: ['message.sent'], sessions: '' }, {}));
    expect(server.requests[0].body.sessions).toBeUndefined();
  });

  it('checkExists is false (and forgets the webhook) when it was deleted on the bridge or points elsewhere', async () => {
    const staticData: IDataObject = {};
    await hooks.create.call(hook({ events: ['message.received'], sessions: '' }, staticData));
    expect(await hooks.checkExists.call(hook({}, staticData, 'https://n8n.example.com/webhook/other/webhook'))).toBe(false);
    expect(staticData.webhookId).toBeUndefined();

    await hooks.create.call(hook({ events: ['message.received'], sessions: '' }, staticData));
    stored.clear();
    expect(await hooks.checkExists.call(hook({}, staticData))).toBe(false);
    expect(staticData).toEqual({});
  });

  it('delete removes the webhook from the bridge and clears the static data; a webhook already gone is fine', async () => {
    const staticData: IDataObject = {};
    await hooks.create.call(hook({ events: ['message.received'], sessions: '' }, staticData));
    expect(await hooks.delete.call(hook({}, staticData))).toBe(true);
    expect(server.requests.at(-1)).toMatchObject({ method: 'DELETE', path: '/v1/webhooks/wh_1' });
    expect(stored.size).toBe(0);
    expect(staticData).toEqual({});
    staticData.webhookId = 'wh_gone';
    expect(await hooks.delete.call(hook({}, staticData))).toBe(true);
    expect(staticData).toEqual({});
  });

  it('refuses an invalid session name instead of subscribing to something else', async () => {
    await expect(hooks.create.call(hook({ events: ['message.received'], sessions: 'sales, Bad Name' }, {}))).rejects.toThrow('"Bad Name" is not a valid session name');
    expect(server.requests).toHaveLength(0);
  });
});

const message = {
  id: 'msg_1',
  session: 'sales',
  messageId: 'WA123',
  chat: '4915100000001@s.whatsapp.net',
  from: '4915100000001@s.whatsapp.net',
  fromMe: false,
  direction: 'in',
  type: 'text',
  text: 'Hi there',
  media: null,
  location: null,
  quotedMessageId: null,
  status: 'received',
  timestamp: '2026-01-01T10:00:00.000Z',
  createdAt: '2026-01-01T10:00:01.000Z',
};
const event = { id: 'evt_1', type: 'message.received', timestamp: '2026-01-01T10:00:01.000Z', session: 'sales', data: message };

function delivery(body: unknown, options: { secret?: string; timestamp?: number; signature?: string } = {}) {
  const raw = JSON.stringify(body);
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return {
    rawBody: Buffer.from(raw),
    headers: {
      'content-type': 'application/json',
      'webhook-id': 'evt_1',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': options.signature ?? sign(options.secret ?? SECRET, 'evt_1', timestamp, raw),
    },
  };
}

async function receive(request: ReturnType<typeof delivery>, parameters: IDataObject = { simplify: true }) {
  const { ctx, response } = webhookContext({ parameters, staticData: { webhookId: 'wh_1', webhookSecret: SECRET }, request });
  const result = await new WhatsAppBridgeTrigger().webhook.call(ctx);
  return { result, response };
}

describe('Trigger: receiving', () => {
  it('starts the workflow with the simplified message on a valid signature', async () => {
    const { result } = await receive(delivery(event));
    expect(result.workflowData).toEqual([
      [
        {
          json: {
            event: 'message.received',
            eventId: 'evt_1',
            session: 'sales',
            id: 'msg_1',
            messageId: 'WA123',
            chat: '4915100000001@s.whatsapp.net',
            from: '4915100000001@s.whatsapp.net',
            fromMe: false,
            direction: 'in',
            type: 'text',
            text: 'Hi there',
            status: 'received',
            quotedMessageId: null,
            timestamp: '2026-01-01T10:00:00.000Z',
          },
        },
      ],
    ]);
  });

  it('outputs the raw event when Simplify is off', async () => {
    const { result } = await receive(delivery(event), { simplify: false });
    expect(result.workflowData?.[0][0].json).toEqual(event);
  });

  it('accepts any of several space-separated signatures (secret rotation)', async () => {
    const ts = Math.floor(Date.now() / 1000);
    const raw = JSON.stringify(event);
    const signature = `${sign(`whsec_${randomBytes(24).toString('base64')}`, 'evt_1', ts, raw)} ${sign(SECRET, 'evt_1', ts, raw)}`;
    const { result } = await receive(delivery(event, { timestamp: ts, signature }));
    expect(result.workflowData).toHaveLength(1);
  });

  it.each([
    ['a signature made with another secret', () => delivery(event, { secret: `whsec_${randomBytes(24).toString('base64')}` })],
    ['a timestamp older than 5 minutes', () => delivery(event, { timestamp: Math.floor(Date.now() / 1000) - 301 })],
    ['a timestamp more than 5 minutes ahead', () => delivery(event, { timestamp: Math.floor(Date.now() / 1000) + 301 })],
    ['no signature headers', () => ({ rawBody: Buffer.from(JSON.stringify(event)), headers: { 'content-type': 'application/json' } })],
    [
      'a body changed after signing',
      () => {
        const signed = delivery(event);
        return { ...signed, rawBody: Buffer.from(JSON.stringify({ ...event, data: { ...message, text: 'pay me' } })) };
      },
    ],
  ])('answers 401 without starting the workflow for %s', async (_label, make) => {
    const { result, response } = await receive(make() as ReturnType<typeof delivery>);
    expect(result.workflowData).toBeUndefined();
    expect(result.noWebhookResponse).toBe(true);
    expect(response.statusCode).toBe(401);
    expect(response.ended).toBe(true);
  });

  it('answers webhook.test pings with 200 without starting the workflow', async () => {
    const { result, response } = await receive(delivery({ id: 'evt_t', type: 'webhook.test', timestamp: event.timestamp, session: null, data: {} }));
    expect(result.workflowData).toBeUndefined();
    expect(result.webhookResponse).toEqual({ received: true, test: true });
    expect(response.statusCode).toBe(200);
  });

  it('simplifies media and session events', async () => {
    const media = { ...event, data: { ...message, type: 'image', text: null, media: { url: 'https://b/m/1', mimetype: 'image/jpeg', caption: 'look' } } };
    const { result } = await receive(delivery(media));
    expect(result.workflowData?.[0][0].json).toMatchObject({ type: 'image', text: 'look', mediaUrl: 'https://b/m/1', mimetype: 'image/jpeg' });
    const statusEvent = { id: 'evt_s', type: 'session.status', timestamp: event.timestamp, session: 'sales', data: { status: 'connected', phoneNumber: '491' } };
    const status = await receive(delivery(statusEvent));
    expect(status.result.workflowData?.[0][0].json).toEqual({
      event: 'session.status',
      eventId: 'evt_s',
      session: 'sales',
      status: 'connected',
      phoneNumber: '491',
      timestamp: event.timestamp,
    });
  });

  it('simplifies the change events: an edit keeps the previous text, a reaction says who reacted to which message, a vote its options', async () => {
    const edited = { ...event, type: 'message.edited', data: { ...message, text: 'Hi there!', previousText: 'Hi there', chatLid: '123456789@lid' } };
    expect((await receive(delivery(edited))).result.workflowData?.[0][0].json).toMatchObject({
      event: 'message.edited',
      messageId: 'WA123',
      text: 'Hi there!',
      previousText: 'Hi there',
      chatLid: '123456789@lid',
    });
    const reaction = { ...event, type: 'message.reaction', data: { ...message, reaction: { from: '4915100000002@s.whatsapp.net', emoji: '👍', removed: false } } };
    expect((await receive(delivery(reaction))).result.workflowData?.[0][0].json).toMatchObject({
      event: 'message.reaction',
      reaction: '👍',
      reactionTo: 'WA123',
      reactionFrom: '4915100000002@s.whatsapp.net',
      reactionRemoved: false,
    });
    const vote = { ...event, type: 'poll.vote', data: { ...message, type: 'poll', text: 'Lunch?', vote: { voter: '4915100000002@s.whatsapp.net', options: ['pizza'], decrypted: true } } };
    expect((await receive(delivery(vote))).result.workflowData?.[0][0].json).toMatchObject({
      event: 'poll.vote',
      text: 'Lunch?',
      vote: { voter: '4915100000002@s.whatsapp.net', options: ['pizza'] },
    });
  });
});
