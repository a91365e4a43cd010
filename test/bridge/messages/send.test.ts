import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMessagingBridge, waitUntil, type MessagingTestBridge } from '../../support/messagingBridge.ts';
import { freePort } from '../../support/services.ts';
import { fetchMedia } from '../../../bridge/src/messages/outboundMedia.ts';
import { idempotencyKeys } from '../../../bridge/src/messages/idempotency.ts';
import type { FakeSocket } from '../../support/fakeSocket.ts';

let tb: MessagingTestBridge;
let org: { id: string; apiKey: string };
let socket: FakeSocket;
let media: Server;
let mediaUrl: string;
const png = randomBytes(2048);

beforeAll(async () => {
  media = createServer((req, res) => {
    if (req.url === '/photo.png') return void res.writeHead(200, { 'content-type': 'image/png' }).end(png);
    if (req.url === '/huge') {
      res.writeHead(200, { 'content-type': 'video/mp4' });
      const chunk = Buffer.alloc(1024 * 1024);
      for (let i = 0; i < 17; i++) res.write(chunk);
      return void res.end();
    }
    if (req.url === '/redirect') return void res.writeHead(302, { location: '/photo.png' }).end();
    if (req.url === '/slow') return; // never answers
    res.writeHead(404).end('not found');
  });
  await new Promise<void>((r) => media.listen(0, '127.0.0.1', () => r()));
  mediaUrl = `http://127.0.0.1:${(media.address() as { port: number }).port}`;
  tb = await startMessagingBridge({ label: 'send', env: { MEDIA_ALLOW_PRIVATE_NETWORKS: 'true' } });
  org = await tb.createOrganization('Sender');
  socket = tb.gateway.connect(org.id, 'main');
});
afterAll(async () => {
  await tb?.close();
  media?.closeAllConnections();
  await new Promise((r) => media?.close(r));
});

const send = (body: unknown, headers: Record<string, string> = {}, session = 'main') =>
  tb.request('POST', `/v1/sessions/${session}/messages`, { key: org.apiKey, body, headers });

describe('sending messages', () => {
  it('sends text to a phone number, stores it once (pending → sent) and records one message.sent', async () => {
    const res = await send({ to: '+49 151-2345 6789', text: 'Ihre Bestellung ist unterwegs' });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ id: expect.stringMatching(/^msg_/), messageId: expect.any(String), status: 'sent' });
    const last = socket.sent.at(-1)!;
    expect(last.jid).toBe('4915123456789@s.whatsapp.net');
    expect(last.content).toEqual({ text: 'Ihre Bestellung ist unterwegs' });
    // The socket's echo of the sent message (messages.upsert) does not create a second document.
    expect(last.message.key.id).toBe(res.body.messageId);
    await new Promise((r) => setTimeout(r, 200));
    const docs = await tb.state.models.Message.find({ messageId: res.body.messageId }).lean();
    expect(docs).toHaveLength(1);
    expect(docs[0]).toMatchObject({ _id: res.body.id, direction: 'out', fromMe: true, status: 'sent', type: 'text', chat: '4915123456789@s.whatsapp.net' });
    const events = await tb.state.models.Event.find({ organizationId: org.id, type: 'message.sent', 'data.id': res.body.id }).lean();
    expect(events).toHaveLength(1);
    const got = await tb.request('GET', `/v1/messages/${res.body.id}`, { key: org.apiKey });
    expect(got.body).toMatchObject({ id: res.body.id, direction: 'out', text: 'Ihre Bestellung ist unterwegs', status: 'sent' });
  });

  it('sends media fetched from a URL (redirects followed), and from base64', async () => {
    const image = await send({ to: '4915123456789', image: { url: `${mediaUrl}/redirect`, mimetype: 'image/png', caption: 'Foto' } });
    expect(image.status).toBe(202);
    const sentImage = socket.sent.at(-1)!.content as { image: Buffer; caption: string; mimetype: string };
    expect(Buffer.compare(sentImage.image, png)).toBe(0);
    expect(sentImage).toMatchObject({ caption: 'Foto', mimetype: 'image/png' });
    expect(await tb.state.models.Message.findById(image.body.id).lean()).toMatchObject({ type: 'image', text: 'Foto', media: { size: 2048, mimetype: 'image/png' } });

    const pdf = Buffer.from('%PDF-1.4 test');
    const doc = await send({ to: '4915123456789', document: { base64: pdf.toString('base64'), mimetype: 'application/pdf', filename: 'r.pdf' } });
    expect(doc.status).toBe(202);
    expect(socket.sent.at(-1)!.content).toMatchObject({ document: pdf, fileName: 'r.pdf', mimetype: 'application/pdf' });

    const voice = await send({ to: '4915123456789', audio: { base64: `data:audio/ogg;base64,${randomBytes(30).toString('base64')}`, mimetype: 'audio/ogg; codecs=opus', ptt: true } });
    expect(voice.status).toBe(202);
    expect(socket.sent.at(-1)!.content).toMatchObject({ ptt: true });
    expect((await tb.state.models.Message.findById(voice.body.id).lean())!.type).toBe('voice');

    const video = await send({ to: '4915123456789', video: { url: `${mediaUrl}/photo.png`, mimetype: 'video/mp4' } });
    expect(video.status).toBe(202);
  });

  it('sends location, reaction and quoted replies to group, LID and device JIDs', async () => {
    const loc = await send({ to: '120363025246125486@g.us', location: { latitude: 52.52, longitude: 13.4, name: 'Büro' } });
    expect(loc.status).toBe(202);
    expect(socket.sent.at(-1)).toMatchObject({ jid: '120363025246125486@g.us', content: { location: { degreesLatitude: 52.52, degreesLongitude: 13.4, name: 'Büro' } } });

    const first = await send({ to: '4915123456789:12@s.whatsapp.net', text: 'Original' });
    expect(socket.sent.at(-1)!.jid).toBe('4915123456789@s.whatsapp.net');
    const react = await send({ to: '4915123456789', reaction: { messageId: first.body.messageId, emoji: '❤️' } });
    expect(react.status).toBe(202);
    expect(socket.sent.at(-1)!.content).toEqual({ react: { text: '❤️', key: { remoteJid: '4915123456789@s.whatsapp.net', id: first.body.messageId, fromMe: true } } });

    const reply = await send({ to: '123456789012345@lid', text: 'Antwort', quotedMessageId: 'ABC123' });
    expect(reply.status).toBe(202);
    expect(tb.gateway.calls.at(-1)!.options?.quoted?.key).toMatchObject({ id: 'ABC123', remoteJid: '123456789012345@lid' });
    expect((await tb.state.models.Message.findById(reply.body.id).lean())!.quotedMessageId).toBe('ABC123');
  });

  it('answers bad input with clear 4xx and sends nothing', async () => {
    const before = socket.sent.length;
    const cases: Array<[unknown, number, string]> = [
      [{ to: 'hello', text: 'x' }, 400, 'invalid_recipient'],
      [{ to: '123', text: 'x' }, 400, 'invalid_recipient'],
      [{ to: '4915123456789' }, 400, 'validation_failed'],
      [{ to: '4915123456789', text: 'a', location: { latitude: 1, longitude: 2 } }, 400, 'validation_failed'],
      [{ to: '4915123456789', text: '' }, 400, 'validation_failed'],
      [{ to: '4915123456789', location: { latitude: 91, longitude: 2 } }, 400, 'validation_failed'],
      [{ to: '4915123456789', image: { url: `${mediaUrl}/photo.png`, base64: 'AAAA', mimetype: 'image/png' } }, 400, 'validation_failed'],
      [{ to: '4915123456789', image: { base64: 'not base64!!', mimetype: 'image/png' } }, 400, 'invalid_base64'],
      [{ to: '4915123456789', image: { url: 'ftp://example.com/x.png', mimetype: 'image/png' } }, 400, 'invalid_media_url'],
      [{ to: '4915123456789', image: { url: `${mediaUrl}/missing.png`, mimetype: 'image/png' } }, 422, 'media_unreachable'],
      [{ to: '4915123456789', image: { url: `http://127.0.0.1:${await freePort()}/x.png`, mimetype: 'image/png' } }, 422, 'media_unreachable'],
      [{ to: '4915123456789', video: { url: `${mediaUrl}/huge`, mimetype: 'video/mp4' } }, 413, 'payload_too_large'],
      [{ to: '4915123456789', image: { base64: randomBytes(17 * 1024 * 1024).toString('base64'), mimetype: 'image/png' } }, 413, 'payload_too_large'],
      [{ to: '4915123456789', text: 'x', extra: true }, 400, 'validation_failed'],
    ];
    for (const [body, status, code] of cases) {
      const res = await send(body);
      expect({ body, status: res.status, code: res.body?.error?.code }).toEqual({ body, status, code });
    }
    expect((await send({ to: '4915123456789', text: 'x' }, {}, 'Bad Name')).status).toBe(400);
    expect(socket.sent.length).toBe(before);
    expect(await tb.state.models.Message.countDocuments({ status: 'pending' })).toBe(0);
  });

  it('times out on a media server that never answers, with a 422', async () => {
    await expect(fetchMedia(`${mediaUrl}/slow`, { allowPrivateNetworks: true, timeoutMs: 300 })).rejects.toMatchObject({ kind: 'rejected', code: 'media_unreachable' });
    await expect(fetchMedia(`${mediaUrl}/photo.png`, { allowPrivateNetworks: false })).rejects.toMatchObject({ kind: 'rejected', code: 'media_url_forbidden' });
    await expect(fetchMedia(`http://localhost:${new URL(mediaUrl).port}/photo.png`, { allowPrivateNetworks: false })).rejects.toMatchObject({ kind: 'rejected', code: 'media_url_forbidden' });
  });

  it('404 for an unknown session, 409 with the status for one that is not connected', async () => {
    const unknown = await send({ to: '4915123456789', text: 'x' }, {}, 'nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('session_not_found');
    tb.gateway.connect(org.id, 'offline', false);
    const offline = await send({ to: '4915123456789', text: 'x' }, { 'idempotency-key': 'offline-1' }, 'offline');
    expect(offline.status).toBe(409);
    expect(offline.body.error).toMatchObject({ code: 'session_not_connected', details: { status: 'connecting' } });
    expect(await tb.state.models.Message.countDocuments({ session: 'offline' })).toBe(0);
    // Nothing was sent, so the key is free: once connected, the retry sends.
    tb.whatsapp.latest(`${org.id}/offline`)!.open();
    const retry = await send({ to: '4915123456789', text: 'x' }, { 'idempotency-key': 'offline-1' }, 'offline');
    expect(retry.status).toBe(202);
  });

  it('Idempotency-Key: a retried request returns the first result and sends once; concurrent duplicates send once', async () => {
    const before = socket.sent.length;
    const body = { to: '4915123456789', text: 'genau einmal' };
    const first = await send(body, { 'idempotency-key': 'order-42' });
    const again = await send(body, { 'idempotency-key': 'order-42' });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(socket.sent.length).toBe(before + 1);
    const reused = await send({ ...body, text: 'anders' }, { 'idempotency-key': 'order-42' });
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('idempotency_key_reused');

    const concurrent = await Promise.all(Array.from({ length: 8 }, () => send({ to: '4915123456789', text: 'parallel' }, { 'idempotency-key': 'burst-1' })));
    expect(socket.sent.length).toBe(before + 2);
    const accepted = concurrent.filter((r) => r.status === 202);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    expect(new Set(accepted.map((r) => r.body.id)).size).toBe(1);
    for (const r of concurrent.filter((x) => x.status !== 202)) expect(r.body.error.code).toBe('idempotency_key_in_progress');
    // The same key on another session is another request.
    tb.gateway.connect(org.id, 'other');
    expect((await send({ to: '4915123456789', text: 'parallel' }, { 'idempotency-key': 'burst-1' }, 'other')).status).toBe(202);
  });

  it('Idempotency-Key: a claim left by a crash blocks retries until it lapses, then exactly one retry sends', async () => {
    const body = { to: '4915123456789', text: 'nach dem Absturz' };
    // A process claimed the key, then died before sending (its claim is never completed or released).
    const crashed = await idempotencyKeys(tb.state.models).claim({ organizationId: org.id, session: 'main', key: 'crash-1' }, body);
    expect(crashed.kind).toBe('claimed');
    const blocked = await send(body, { 'idempotency-key': 'crash-1' });
    expect(blocked.status).toBe(409);
    expect(blocked.body.error.code).toBe('idempotency_key_in_progress');
    // The claim's time passes (the send deadline plus a margin); the TTL pass has not removed it yet.
    await tb.state.models.IdempotencyKey.updateMany({ key: 'crash-1' }, { $set: { expiresAt: new Date(Date.now() - 1_000) } });
    const before = socket.sent.length;
    const retries = await Promise.all(Array.from({ length: 6 }, () => send(body, { 'idempotency-key': 'crash-1' })));
    expect(socket.sent.length).toBe(before + 1);
    expect(retries.filter((r) => r.status === 202).length).toBeGreaterThanOrEqual(1);
    for (const r of retries.filter((x) => x.status !== 202)) expect(r.body.error.code).toBe('idempotency_key_in_progress');
    // The crashed process's claim cannot complete or release the key it lost.
    if (crashed.kind === 'claimed') await crashed.release();
    const after = await send(body, { 'idempotency-key': 'crash-1' });
    expect(after.status).toBe(202);
    expect(socket.sent.length).toBe(before + 1);
  });

  it('a send WhatsApp refuses is stored as error and answered 502 send_failed', async () => {
    socket.failNextSend = new Error('not-acceptable');
    const res = await send({ to: '4915123456789', text: 'geht nicht' });
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('send_failed');
    await waitUntil(async () => (await tb.state.models.Message.findById(res.body.error.details.id).lean())?.status === 'error');
  });

  it('another organization cannot read a sent message', async () => {
    const res = await send({ to: '4915123456789', text: 'privat' });
    const other = await tb.createOrganization('Other');
    const got = await tb.request('GET', `/v1/messages/${res.body.id}`, { key: other.apiKey });
    expect(got.status).toBe(404);
    expect(got.body.error.code).toBe('message_not_found');
    const sendAsOther = await tb.request('POST', '/v1/sessions/main/messages', { key: other.apiKey, body: { to: '4915123456789', text: 'x' } });
    expect(sendAsOther.status).toBe(404);
  });
});
