import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bridgeError, startRecordingServer, type RecordingServer } from '../support/recordingServer';
import { API_KEY, runNode } from './helpers';

let server: RecordingServer;
beforeAll(async () => {
  server = await startRecordingServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  let n = 0;
  server.handle(() => ({ status: 202, body: { id: `msg_${++n}`, status: 'pending' } }));
});

const base = { resource: 'message', operation: 'sendText' };

describe('Message → Send Text', () => {
  it('sends one message per input item with that item’s parameters, authenticated, and pairs the outputs', async () => {
    const out = await runNode({
      credentials: { baseUrl: `${server.url}/`, apiKey: API_KEY },
      items: [{ json: { n: 1 } }, { json: { n: 2 } }],
      parameters: [
        { ...base, session: 'sales', to: '4915100000001', text: 'hello one', options: {} },
        { ...base, session: 'support', to: '4915100000002', text: 'hello two', options: { quotedMessageId: 'WAID1', idempotencyKey: 'key-2' } },
      ],
    });
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /v1/sessions/sales/messages',
      'POST /v1/sessions/support/messages',
    ]);
    expect(server.requests[0].headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(server.requests[0].body).toEqual({ to: '4915100000001', text: 'hello one' });
    expect(server.requests[0].headers['idempotency-key']).toBeUndefined();
    expect(server.requests[1].body).toEqual({ to: '4915100000002', text: 'hello two', quotedMessageId: 'WAID1' });
    expect(server.requests[1].headers['idempotency-key']).toBe('key-2');
    expect(out).toEqual([
      { json: { session: 'sales', to: '4915100000001', id: 'msg_1', status: 'pending' }, pairedItem: { item: 0 } },
      { json: { session: 'support', to: '4915100000002', id: 'msg_2', status: 'pending' }, pairedItem: { item: 1 } },
    ]);
  });

  it('turns the bridge’s error shape into a NodeApiError naming the message, code and item', async () => {
    server.handle(() => bridgeError(409, 'session_not_connected', 'Session "sales" is not connected'));
    const error = await runNode({
      credentials: { baseUrl: server.url, apiKey: API_KEY },
      items: [{ json: {} }, { json: {} }],
      parameters: { ...base, session: 'sales', to: '4915100000001', text: 'hi', options: {} },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeApiError);
    const apiError = error as NodeApiError;
    expect(apiError.message).toBe('Session "sales" is not connected [session_not_connected]');
    expect(apiError.httpCode).toBe('409');
    expect(apiError.context.itemIndex).toBe(0);
    expect(server.requests).toHaveLength(1);
  });

  it('with Continue On Fail, outputs the bridge’s error for the failing item and carries on', async () => {
    server.handle((req) =>
      req.body.to === 'bad' ? bridgeError(400, 'validation_failed', 'to: not a phone number or JID') : { status: 202, body: { id: 'msg_ok', status: 'pending' } },
    );
    const out = await runNode({
      credentials: { baseUrl: server.url, apiKey: API_KEY },
      continueOnFail: true,
      items: [{ json: {} }, { json: {} }, { json: {} }],
      parameters: [
        { ...base, session: 'sales', to: 'bad', text: 'x', options: {} },
        { ...base, session: 'sales', to: '491', text: 'y', options: {} },
        { ...base, session: 'Not Valid!', to: '491', text: 'z', options: {} },
      ],
    });
    expect(out).toHaveLength(3);
    expect(out[0].pairedItem).toEqual({ item: 0 });
    expect(out[0].json.error).toBe('to: not a phone number or JID [validation_failed]');
    expect(out[0].json.httpCode).toBe('400');
    expect(out[1]).toEqual({ json: { session: 'sales', to: '491', id: 'msg_ok', status: 'pending' }, pairedItem: { item: 1 } });
    expect(out[2].pairedItem).toEqual({ item: 2 });
    expect(String(out[2].json.error)).toContain('"Not Valid!" is not a valid session name');
    expect(server.requests).toHaveLength(2);
  });

  it('refuses an invalid session name before calling the bridge, with the item index', async () => {
    const error = await runNode({
      credentials: { baseUrl: server.url, apiKey: API_KEY },
      items: [{ json: {} }, { json: {} }],
      parameters: [
        { ...base, session: 'ok', to: '491', text: 'a', options: {} },
        { ...base, session: '../admin', to: '491', text: 'b', options: {} },
      ],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeOperationError);
    expect((error as NodeOperationError).context.itemIndex).toBe(1);
    expect(server.requests).toHaveLength(1);
  });

  it('reports an unreachable bridge clearly', async () => {
    const error = await runNode({
      credentials: { baseUrl: 'http://127.0.0.1:1', apiKey: API_KEY },
      parameters: { ...base, session: 'sales', to: '491', text: 'a', options: {} },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeApiError);
    expect((error as Error).message).toContain('Could not reach the WhatsApp bridge at http://127.0.0.1:1');
  });
});
