/**
 * The session operations against a real bridge (in-process, real FerretDB and Redis, fake
 * WhatsApp): create, QR code as JSON and as a PNG, pairing by QR, get, get many, delete.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBridge, type TestBridge } from '../support/stack';
import { runNode } from './helpers';
import { eventually } from '../support/sessionWaits.ts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let bridge: TestBridge;
let apiKey: string;
const credentials = () => ({ baseUrl: bridge.url, apiKey });

beforeAll(async () => {
  bridge = await startTestBridge({ label: 'n8nsessions' });
  ({ apiKey } = await bridge.createOrganization('n8n'));
}, 60_000);

afterAll(async () => {
  await bridge?.close();
});

describe('session operations against a real bridge', () => {
  it('creates a session, reads its QR as JSON and as a PNG, pairs it, and lists it', async () => {
    const created = await runNode({ credentials: credentials(), parameters: { resource: 'session', operation: 'create', session: 'shop', start: true } });
    expect(created[0].json).toMatchObject({ name: 'shop' });

    const json = await eventually('a QR code', async () => {
      const out = await runNode({ credentials: credentials(), continueOnFail: true, parameters: { resource: 'session', operation: 'getQr', session: 'shop', format: 'json' } });
      return out[0].json.qr ? out[0].json : undefined;
    });
    expect(String(json.dataUrl)).toMatch(/^data:image\/png;base64,/);

    const png = await runNode({ credentials: credentials(), parameters: { resource: 'session', operation: 'getQr', session: 'shop', format: 'png', binaryPropertyName: 'qr' } });
    const image = Buffer.from(png[0].binary!.qr.data, 'base64');
    expect(image.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(png[0].binary!.qr).toMatchObject({ mimeType: 'image/png', fileName: 'qr-shop.png' });
    expect(png[0].json).toMatchObject({ session: 'shop', fileSize: image.length });

    (await bridge.whatsapp.waitFor('shop')).scanQr('4915550001111', 'Shop Phone');
    const connected = await eventually('the session to connect', async () => {
      const out = await runNode({ credentials: credentials(), parameters: { resource: 'session', operation: 'get', session: 'shop' } });
      return out[0].json.status === 'connected' ? out[0].json : undefined;
    });
    expect(connected).toMatchObject({ name: 'shop', status: 'connected' });

    const listed = await runNode({ credentials: credentials(), parameters: { resource: 'session', operation: 'getMany', returnAll: true } });
    expect(listed.map((o) => o.json.name)).toEqual(['shop']);
  });

  it('a second create of the same name, and a QR of a connected session, fail with the bridge’s codes', async () => {
    const out = await runNode({
      credentials: credentials(),
      continueOnFail: true,
      items: [{ json: {} }, { json: {} }],
      parameters: [
        { resource: 'session', operation: 'create', session: 'shop', start: false },
        { resource: 'session', operation: 'getQr', session: 'shop', format: 'png', binaryPropertyName: 'data' },
      ],
    });
    expect(out[0]).toMatchObject({ json: { httpCode: '409' }, pairedItem: { item: 0 } });
    expect(String(out[0].json.error)).toContain('[session_exists]');
    expect(out[1]).toMatchObject({ json: { httpCode: '404' }, pairedItem: { item: 1 } });
    expect(String(out[1].json.error)).toContain('[qr_not_available]');
  });

  it('deletes the session', async () => {
    const out = await runNode({ credentials: credentials(), parameters: { resource: 'session', operation: 'delete', session: 'shop', purge: true } });
    expect(out[0].json).toMatchObject({ session: 'shop', deleted: true });
    expect((await bridge.request('GET', '/v1/sessions/shop', { key: apiKey })).status).toBe(404);
  });
});
