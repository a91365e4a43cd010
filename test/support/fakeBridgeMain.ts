/**
 * The real bridge in its own process, with the in-process FakeWhatsApp instead of Baileys, for
 * tests that run several instances against one MongoDB and Redis (failover, ownership). Config
 * comes from the environment as in production. Extra routes under /__fake let the test drive
 * and inspect this process's fake WhatsApp:
 *   GET  /__fake/state          → { instanceId, owned: [sessionId], sockets: [{ label, state, pairingCodes, sent }] }
 *   POST /__fake/scan/:name     → the phone scans the QR of the newest socket of session :name
 *   POST /__fake/send/:org/:name {jid, text} → bridge.sessions.sendMessage (the SessionGateway)
 *   POST /__fake/receive/:name {count, chats?} → session :name's socket receives `count` texts
 */
import Router from '@koa/router';
import { loadConfig } from '../../bridge/src/config.ts';
import { createBridge } from '../../bridge/src/bridgeRuntime.ts';
import { serveBridge } from './serveBridge.ts';
import { FakeWhatsApp } from './fakeSocket.ts';
import { textMessage } from './waMessages.ts';

const config = loadConfig();
const whatsapp = new FakeWhatsApp();
const fake = new Router({ prefix: '/__fake' });
const bridge = await createBridge(config, { socketFactory: whatsapp.factory, extraRouters: () => [fake] });

fake.get('/state', (ctx) => {
  ctx.body = {
    instanceId: config.instanceId,
    owned: bridge.sessions.localSessions(),
    sockets: whatsapp.live().map((s) => ({ label: s.label, state: s.state, pairingCodes: s.pairingCodes, sent: s.sent.map((m) => ({ jid: m.jid, content: m.content })) })),
  };
});
fake.post('/scan/:name', (ctx) => {
  const socket = whatsapp.latest(ctx.params.name);
  if (!socket) {
    ctx.status = 404;
    ctx.body = { error: { code: 'no_socket', message: 'no socket' } };
    return;
  }
  socket.scanQr();
  ctx.body = { ok: true };
});
fake.post('/send/:org/:name', async (ctx) => {
  const { jid, text } = ctx.request.body as { jid: string; text: string };
  const message = await bridge.sessions.sendMessage(ctx.params.org, ctx.params.name, jid, { text });
  ctx.body = { id: message.key.id };
});

fake.post('/receive/:name', (ctx) => {
  const socket = whatsapp.latest(ctx.params.name);
  if (!socket || socket.state !== 'open') {
    ctx.status = 409;
    ctx.body = { error: { code: 'not_open', message: 'no open socket for this session here' } };
    return;
  }
  const { count = 1, chats = 10 } = ctx.request.body as { count?: number; chats?: number };
  const at = Date.now();
  socket.receive(Array.from({ length: count }, (_, i) => textMessage(`load ${at}-${i}`, { chat: `4915100000${String(i % chats).padStart(3, '0')}@s.whatsapp.net`, at })));
  ctx.body = { received: count };
});

await serveBridge(bridge, config);
