import { NodeOperationError } from 'n8n-workflow';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startRecordingServer, type RecordingServer } from '../support/recordingServer';
import { API_KEY, runNode } from './helpers';

let server: RecordingServer;
beforeAll(async () => {
  server = await startRecordingServer(() => ({ status: 202, body: { id: 'msg_1', status: 'pending' } }));
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

const base = { resource: 'message', operation: 'sendMedia', session: 'sales', to: '4915100000001' };
const pdf = Buffer.from('%PDF-1.4 invoice bytes \u0000\u0001\u00ff', 'latin1');

describe('Message → Send Media', () => {
  it('sends an n8n binary property as base64 with its mimetype and file name', async () => {
    const out = await runNode({
      credentials: { baseUrl: server.url, apiKey: API_KEY },
      items: [{ json: {}, binary: { invoice: { data: pdf.toString('base64'), mimeType: 'application/pdf', fileName: 'invoice-7.pdf' } } }],
      parameters: { ...base, mediaType: 'document', source: 'binary', binaryPropertyName: 'invoice', options: { caption: 'Your invoice' } },
    });
    expect(server.requests).toHaveLength(1);
    const { body, path } = server.requests[0];
    expect(path).toBe('/v1/sessions/sales/messages');
    expect(body.to).toBe('4915100000001');
    expect(body.document.mimetype).toBe('application/pdf');
    expect(body.document.filename).toBe('invoice-7.pdf');
    expect(body.document.caption).toBe('Your invoice');
    expect(Buffer.from(body.document.base64, 'base64').equals(pdf)).toBe(true);
    expect(body.document.url).toBeUndefined();
    expect(out).toEqual([{ json: { session: 'sales', to: '4915100000001', id: 'msg_1', status: 'pending', type: 'document' }, pairedItem: { item: 0 } }]);
  });

  it('sends each item’s own binary file', async () => {
    const items = [0, 1].map((i) => ({
      json: {},
      binary: { data: { data: Buffer.from(`image-${i}`).toString('base64'), mimeType: 'image/jpeg', fileName: `p${i}.jpg` } },
    }));
    const out = await runNode({
      credentials: { baseUrl: server.url, apiKey: API_KEY },
      items,
      parameters: { ...base, mediaType: 'image', source: 'binary', binaryPropertyName: 'data', options: { mimetype: 'image/webp' } },
    });
    expect(server.requests.map((r) => Buffer.from(r.body.image.base64, 'base64').toString())).toEqual(['image-0', 'image-1']);
    expect(server.requests.map((r) => r.body.image.mimetype)).toEqual(['image/webp', 'image/webp']);
    expect(out.map((o) => o.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
  });

  it('sends a URL for the bridge to fetch, with a MIME type guessed from the extension unless given', async () => {
    await runNode({
      credentials: { baseUrl: server.url, apiKey: API_KEY },
      items: [{ json: {} }, { json: {} }, { json: {} }],
      parameters: [
        { ...base, mediaType: 'video', source: 'url', mediaUrl: 'https://cdn.example.com/clip.MP4?sig=1', options: { caption: 'clip', idempotencyKey: 'v-1' } },
        { ...base, mediaType: 'document', source: 'url', mediaUrl: 'https://cdn.example.com/download', options: { mimetype: 'application/pdf', filename: 'a.pdf' } },
        { ...base, mediaType: 'audio', source: 'url', mediaUrl: 'https://cdn.example.com/note.ogg', options: { ptt: true, caption: 'ignored for audio' } },
      ],
    });
    expect(server.requests.map((r) => r.body)).toEqual([
      { to: '4915100000001', video: { url: 'https://cdn.example.com/clip.MP4?sig=1', mimetype: 'video/mp4', caption: 'clip' } },
      { to: '4915100000001', document: { url: 'https://cdn.example.com/download', mimetype: 'application/pdf', filename: 'a.pdf' } },
      { to: '4915100000001', audio: { url: 'https://cdn.example.com/note.ogg', mimetype: 'audio/ogg', ptt: true } },
    ]);
    expect(server.requests[0].headers['idempotency-key']).toBe('v-1');
  });

  it('names the missing binary property and the item, without calling the bridge', async () => {
    const error = await runNode({
      credentials: { baseUrl: server.url, apiKey: API_KEY },
      items: [{ json: {} }],
      parameters: { ...base, mediaType: 'image', source: 'binary', binaryPropertyName: 'photo', options: {} },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeOperationError);
    expect((error as Error).message).toContain("'photo'");
    expect((error as NodeOperationError).context.itemIndex).toBe(0);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a URL that is not http(s)', async () => {
    const error = await runNode({
      credentials: { baseUrl: server.url, apiKey: API_KEY },
      parameters: { ...base, mediaType: 'image', source: 'url', mediaUrl: 'file:///etc/passwd', options: {} },
    }).catch((e: unknown) => e);
    expect((error as Error).message).toContain('is not an http(s) URL');
    expect(server.requests).toHaveLength(0);
  });
});
