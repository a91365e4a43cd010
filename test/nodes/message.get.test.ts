import { NodeApiError } from 'n8n-workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bridgeError, startRecordingServer, type RecordingServer } from '../support/recordingServer';
import { API_KEY, runNode } from './helpers';

let server: RecordingServer;
beforeAll(async () => {
  server = await startRecordingServer((req) =>
    req.path === '/v1/messages/msg_1'
      ? { body: { id: 'msg_1', session: 'sales', text: 'hello', direction: 'in' } }
      : bridgeError(404, 'not_found', 'Message not found'),
  );
});
afterAll(() => server.close());

describe('Message → Get', () => {
  it('gets each item’s message by id', async () => {
    const out = await runNode({
      credentials: { baseUrl: server.url, apiKey: API_KEY },
      continueOnFail: true,
      items: [{ json: {} }, { json: {} }],
      parameters: [
        { resource: 'message', operation: 'get', messageId: 'msg_1' },
        { resource: 'message', operation: 'get', messageId: 'msg_missing' },
      ],
    });
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/messages/msg_1', 'GET /v1/messages/msg_missing']);
    expect(out[0]).toEqual({ json: { id: 'msg_1', session: 'sales', text: 'hello', direction: 'in' }, pairedItem: { item: 0 } });
    expect(out[1]).toMatchObject({ json: { error: 'Message not found [not_found]', httpCode: '404' }, pairedItem: { item: 1 } });
  });

  it('fails the node with a NodeApiError on 404 without Continue On Fail', async () => {
    const error = await runNode({
      credentials: { baseUrl: server.url, apiKey: API_KEY },
      parameters: { resource: 'message', operation: 'get', messageId: 'nope' },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeApiError);
    expect((error as NodeApiError).httpCode).toBe('404');
  });
});
