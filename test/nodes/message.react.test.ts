import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRecordingServer, type RecordingServer } from '../support/recordingServer';
import { API_KEY, runNode } from './helpers';

let server: RecordingServer;
beforeAll(async () => {
  server = await startRecordingServer(() => ({ status: 202, body: { id: 'msg_r', status: 'pending' } }));
});
afterAll(() => server.close());

describe('Message → React', () => {
  it('sends a reaction to the message, and an empty emoji to remove it', async () => {
    const out = await runNode({
      credentials: { baseUrl: server.url, apiKey: API_KEY },
      items: [{ json: {} }, { json: {} }],
      parameters: [
        { resource: 'message', operation: 'react', session: 'sales', to: '491@s.whatsapp.net', messageId: 'WA1', emoji: '❤️', options: { idempotencyKey: 'r1' } },
        { resource: 'message', operation: 'react', session: 'sales', to: '491@s.whatsapp.net', messageId: 'WA1', emoji: '', options: {} },
      ],
    });
    expect(server.requests.map((r) => r.body)).toEqual([
      { to: '491@s.whatsapp.net', reaction: { messageId: 'WA1', emoji: '❤️' } },
      { to: '491@s.whatsapp.net', reaction: { messageId: 'WA1', emoji: '' } },
    ]);
    expect(server.requests[0].headers['idempotency-key']).toBe('r1');
    expect(out.map((o) => o.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
  });
});
