import { DisconnectReason } from '@whiskeysockets/baileys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privateDatabase, type ControlledServer } from '../../support/services.ts';
import { startTestBridge, type TestBridge } from '../../support/stack.ts';
import { hasStatus, waitForSession } from '../../support/sessionWaits.ts';

describe('a session whose connection drops while MongoDB is down', () => {
  let database: ControlledServer;
  let t: TestBridge;
  let key: string;

  beforeAll(async () => {
    database = await privateDatabase();
    t = await startTestBridge({ label: 'mongoout', env: { MONGODB_URI: database.url }, bridgeOptions: { reconnect: { backoff: { baseMs: 10, capMs: 50 } } } });
    key = (await t.createOrganization()).apiKey;
  });
  afterAll(async () => {
    await database.start();
    await t?.close();
    await database.dispose();
  });

  it('reconnects although the disconnect cannot be recorded, and records its status once MongoDB is back', { timeout: 60_000 }, async () => {
    await t.request('POST', '/v1/sessions', { key, body: { name: 'steady' } });
    await waitForSession(t, key, 'steady', hasStatus('qr_ready'));
    t.whatsapp.latest('steady')!.scanQr();
    await waitForSession(t, key, 'steady', hasStatus('connected'));
    const before = t.whatsapp.latest('steady')!;

    await database.stop();
    before.close(DisconnectReason.connectionLost);
    // The status write fails (server selection gives up after 5 s); the socket comes back anyway.
    const after = await t.whatsapp.waitFor('steady', (s) => s !== before && s.state === 'open', 20_000);
    expect(after.options.auth.creds.registered).toBe(true);
    expect(t.bridge.sessions.localSessions()).toHaveLength(1);

    await database.start();
    // A later change is recorded as usual once MongoDB answers.
    after.close(DisconnectReason.connectionLost);
    await t.whatsapp.waitFor('steady', (s) => s !== before && s !== after && s.state === 'open', 20_000);
    await waitForSession(t, key, 'steady', hasStatus('connected'));
  });
});
