import { describe, expect, it } from 'vitest';
import { useSandboxBridge } from '../support/sandboxBridge.ts';
import type { TestBridge } from '../support/stack.ts';
import { hasStatus, until, waitForSession } from '../support/sessionWaits.ts';

/** npm start with WA_SANDBOX=true, in-process: the bridge's real Baileys against its own simulator. */
describe('sandbox mode end to end', () => {
  let bridge: TestBridge;
  let key: string;
  useSandboxBridge('sandboxe2e', (started, apiKey) => {
    bridge = started;
    key = apiKey;
  });

  async function scanWhenShown(path: string, init: RequestInit = {}): Promise<Response> {
    let res: Response | undefined;
    await until(async () => {
      res = await fetch(`${bridge.url}${path}`, { method: 'POST', ...init });
      return res.status !== 404;
    }, 15_000, 'a QR code to scan');
    return res as Response;
  }

  it('pairs a session through the API with the simulated phone, then the phone logs it out', async () => {
    await bridge.request('POST', '/v1/sessions', { key, body: { name: 'demo' } });
    const scanned = await scanWhenShown('/v1/sandbox/sessions/demo/scan', {
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ phoneNumber: '15550202020' }),
    });
    expect(scanned.status).toBe(201);
    expect(scanned.headers.get('x-whatsapp-sandbox')).toBe('true');
    expect((await scanned.json()).device).toMatchObject({ phoneNumber: '15550202020', deviceId: 1 });
    expect(await waitForSession(bridge, key, 'demo', hasStatus('connected'), 20_000)).toMatchObject({ phoneNumber: '15550202020' });

    const inbound = await bridge.request('POST', '/v1/sandbox/sessions/demo/messages', { key, body: { from: '15557002020', text: 'hello bridge' } });
    expect(inbound.status).toBe(201);
    expect(inbound.body).toMatchObject({ from: '15557002020@s.whatsapp.net', to: '15550202020:1@s.whatsapp.net' });

    // WhatsApp's other traffic, through the same route: an edit, a reaction, a LID-addressed text, a poll and a vote.
    const send = (body: Record<string, unknown>) => bridge.request('POST', '/v1/sandbox/sessions/demo/messages', { key, body: { from: '15557002020', ...body } });
    const messageOf = async (messageId: string) =>
      ((await bridge.request('GET', '/v1/messages?session=demo', { key })).body.data as Array<Record<string, any>>).find((m) => m.messageId === messageId);
    await until(async () => !!(await messageOf(inbound.body.messageId)), 15_000, 'the text stored');
    expect((await send({ kind: 'edit', messageId: inbound.body.messageId, text: 'hello, bridge!' })).status).toBe(201);
    expect((await send({ kind: 'reaction', messageId: inbound.body.messageId, emoji: '🎉' })).status).toBe(201);
    await until(async () => (await messageOf(inbound.body.messageId))?.reactions.length === 1, 15_000, 'edit and reaction applied');
    expect(await messageOf(inbound.body.messageId)).toMatchObject({ text: 'hello, bridge!', edits: [{ text: 'hello bridge' }], reactions: [{ emoji: '🎉' }] });
    const lid = await send({ kind: 'text', text: 'now by LID', addressing: 'lid' });
    expect(lid.body.from).toMatch(/@lid$/);
    await until(async () => (await messageOf(lid.body.messageId))?.chat === '15557002020@s.whatsapp.net', 15_000, 'the LID message in the same chat');
    const poll = await send({ kind: 'poll', text: 'Lunch?', options: ['pizza', 'salad'] });
    expect((await send({ kind: 'vote', messageId: poll.body.messageId, options: ['salad'] })).status).toBe(201);
    await until(async () => (await messageOf(poll.body.messageId))?.poll?.votes.length === 1, 15_000, 'the vote counted');
    expect((await send({ kind: 'vote', messageId: 'NOSUCHPOLL1', options: ['x'] })).status).toBe(404);
    expect((await send({ kind: 'edit', text: 'no target' })).status).toBe(400);
    // A contact known only by its LID, until the server names its number.
    const hidden = await bridge.request('POST', '/v1/sandbox/sessions/demo/messages', {
      key,
      body: { from: '15557002021', text: 'guess who', addressing: 'lid', sharesPhoneNumber: false },
    });
    await until(async () => (await messageOf(hidden.body.messageId))?.chat?.endsWith('@lid'), 15_000, 'the message under its LID');
    const named = await bridge.request('POST', '/v1/sandbox/sessions/demo/linked-profiles', { key, body: { contact: '15557002021' } });
    expect(named.status).toBe(201);
    expect(named.body).toMatchObject({ lid: hidden.body.from, pn: '15557002021@s.whatsapp.net' });
    await until(async () => (await messageOf(hidden.body.messageId))?.chat === '15557002021@s.whatsapp.net', 15_000, 'the chat moved to the number');
    // A channel post: ignored, until the session opts in.
    const channel = await bridge.request('POST', '/v1/sandbox/sessions/demo/channel-posts', { key, body: { text: 'ignored news' } });
    expect(channel.status).toBe(201);
    expect(channel.body.channel).toMatch(/@newsletter$/);
    expect((await bridge.request('PATCH', '/v1/sessions/demo', { key, body: { receive: { newsletters: true } } })).status).toBe(200);
    const news = await bridge.request('POST', '/v1/sandbox/sessions/demo/channel-posts', { key, body: { channel: channel.body.channel, text: 'kept news' } });
    await until(async () => (await messageOf(news.body.messageId))?.text === 'kept news', 15_000, 'the channel post kept');
    expect(await messageOf(news.body.messageId)).toMatchObject({ chat: channel.body.channel });
    expect(await messageOf(channel.body.messageId)).toBeUndefined();

    expect((await bridge.request('POST', '/v1/sandbox/sessions/demo/phone-logout', { key })).status).toBe(200);
    await waitForSession(bridge, key, 'demo', hasStatus('logged_out'), 15_000);
    expect((await bridge.request('POST', '/v1/sandbox/sessions/demo/messages', { key, body: { from: '15557002020', text: 'x' } })).body.error.code).toBe(
      'session_not_connected',
    );
  });

  it('labels the pairing page and lets the operator scan with the simulated phone from it', async () => {
    await bridge.request('POST', '/v1/sessions', { key, body: { name: 'page' } });
    const link = await bridge.request('POST', '/v1/sessions/page/pairing-link', { key, body: {} });
    const page = await fetch(link.body.url.replace(/^https?:\/\/[^/]+/, bridge.url));
    const html = await page.text();
    expect(html).toContain('SANDBOX');
    expect(html).toContain('Scan with the simulated phone');
    const path = new URL(link.body.url).pathname;
    const scanned = await scanWhenShown(`${path}/sandbox/scan`);
    expect(scanned.status).toBe(201);
    await waitForSession(bridge, key, 'page', hasStatus('connected'), 20_000);
    expect((await fetch(`${bridge.url}/pair/not-a-token/sandbox/scan`, { method: 'POST' })).status).toBe(404);
  });

  it('rejects bad input with the error shape', async () => {
    const res = await bridge.request('POST', '/v1/sandbox/sessions/demo/messages', { key, body: { from: '+1 555', text: '' } });
    expect(res.status).toBe(400);
    expect((await bridge.request('POST', '/v1/sandbox/sessions/nope/scan', { key, body: {} })).status).toBe(404);
    expect((await bridge.request('POST', '/v1/sandbox/sessions/demo/channel-posts', { key, body: { channel: 'news', text: 'x' } })).status).toBe(400);
    expect((await bridge.request('POST', '/v1/sandbox/sessions/demo/linked-profiles', { key, body: { contact: '+1' } })).status).toBe(400);
    expect((await bridge.request('POST', '/v1/sandbox/sessions/demo/scan', { body: {} })).status).toBe(401);
  });
});
