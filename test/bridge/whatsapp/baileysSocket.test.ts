import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { initAuthCreds, type ConnectionState } from '@whiskeysockets/baileys';
import { baileysSocketFactory } from '../../../bridge/src/whatsapp/baileysSocket.ts';
import { createLogger } from '../../../bridge/src/infra/logger.ts';
import { freePort } from '../../support/services.ts';

describe('Baileys socket', () => {
  let server: WebSocketServer;
  let port: number;
  const paths: string[] = [];

  beforeAll(async () => {
    port = await freePort();
    server = new WebSocketServer({ port, host: '127.0.0.1' });
    server.on('connection', (_socket, request) => paths.push(request.url ?? ''));
    await new Promise((r) => server.once('listening', r));
  });
  afterAll(async () => {
    for (const client of server.clients) client.terminate();
    await new Promise((r) => server.close(r));
  });

  it('connects to WA_WEBSOCKET_URL when set, and end() closes with a connection.update', async () => {
    const keys: Record<string, unknown> = {};
    const socket = baileysSocketFactory({
      auth: {
        creds: initAuthCreds(),
        keys: {
          get: async () => ({}),
          set: async (data) => void Object.assign(keys, data),
        },
      },
      label: 'org/test',
      logger: createLogger('silent'),
      waWebSocketUrl: `ws://127.0.0.1:${port}/ws/chat`,
    });
    const updates: Array<Partial<ConnectionState>> = [];
    socket.ev.on('connection.update', (u) => updates.push(u));
    const until = Date.now() + 10_000;
    while (!paths.length && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(paths).toEqual(['/ws/chat']);
    expect(socket.user).toBeUndefined();
    socket.end(new Error('test over'));
    while (!updates.some((u) => u.connection === 'close') && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(updates.some((u) => u.connection === 'close')).toBe(true);
    socket.ev.removeAllListeners();
  });
});
