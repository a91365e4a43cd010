import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startRecordingServer, type RecordedRequest, type RecordingServer } from '../support/recordingServer';
import { API_KEY, runNode } from './helpers';

/** 430 messages, newest first, served like the bridge's cursor pagination. */
const ALL = Array.from({ length: 430 }, (_, i) => ({ id: `msg_${String(430 - i).padStart(4, '0')}`, text: `m${430 - i}` }));

function page(req: RecordedRequest) {
  const limit = Number(req.query.limit ?? 50);
  const start = req.query.cursor ? Number(Buffer.from(req.query.cursor, 'base64url').toString()) : 0;
  const data = ALL.slice(start, start + limit);
  const end = start + data.length;
  const hasMore = end < ALL.length;
  return { body: { data, pagination: { limit, nextCursor: hasMore ? Buffer.from(String(end)).toString('base64url') : null, hasMore } } };
}

let server: RecordingServer;
beforeAll(async () => {
  server = await startRecordingServer(page);
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

const base = { resource: 'message', operation: 'getMany' };

describe('Message → Get Many', () => {
  it('Return All follows nextCursor across every page', async () => {
    const out = await runNode({
      credentials: { baseUrl: server.url, apiKey: API_KEY },
      parameters: { ...base, returnAll: true, filters: {} },
    });
    expect(out).toHaveLength(430);
    expect(new Set(out.map((o) => o.json.id)).size).toBe(430);
    expect(out[0].json.id).toBe('msg_0430');
    expect(out[429].json.id).toBe('msg_0001');
    expect(out.every((o) => (o.pairedItem as { item: number }).item === 0)).toBe(true);
    expect(server.requests.map((r) => [r.query.limit, r.query.cursor === undefined])).toEqual([
      ['200', true],
      ['200', false],
      ['200', false],
    ]);
  });

  it('defaults to 50 and pages beyond 200 up to the limit exactly', async () => {
    const first = await runNode({ credentials: { baseUrl: server.url, apiKey: API_KEY }, parameters: { ...base, returnAll: false, filters: {} } });
    expect(first).toHaveLength(50);
    expect(server.requests.map((r) => r.query.limit)).toEqual(['50']);
    server.requests.length = 0;
    const out = await runNode({ credentials: { baseUrl: server.url, apiKey: API_KEY }, parameters: { ...base, returnAll: false, limit: 250, filters: {} } });
    expect(out).toHaveLength(250);
    expect(out[249].json.id).toBe('msg_0181');
    expect(server.requests.map((r) => r.query.limit)).toEqual(['200', '50']);
  });

  it('sends the filters as query parameters, per item', async () => {
    const out = await runNode({
      credentials: { baseUrl: server.url, apiKey: API_KEY },
      items: [{ json: {} }, { json: {} }],
      parameters: [
        {
          ...base,
          returnAll: false,
          limit: 2,
          filters: { session: 'sales', chat: '491@s.whatsapp.net', direction: 'in', type: 'image', since: '2026-01-01T00:00:00Z', until: '2026-02-01T12:00:00.000+01:00' },
        },
        { ...base, returnAll: false, limit: 1, filters: { direction: 'out' } },
      ],
    });
    expect(server.requests[0].query).toEqual({
      session: 'sales',
      chat: '491@s.whatsapp.net',
      direction: 'in',
      type: 'image',
      since: '2026-01-01T00:00:00.000Z',
      until: '2026-02-01T11:00:00.000Z',
      limit: '2',
    });
    expect(server.requests[1].query).toEqual({ direction: 'out', limit: '1' });
    expect(out.map((o) => o.pairedItem)).toEqual([{ item: 0 }, { item: 0 }, { item: 1 }]);
  });

  it('refuses a time filter that is not a date', async () => {
    const error = await runNode({
      credentials: { baseUrl: server.url, apiKey: API_KEY },
      parameters: { ...base, returnAll: true, filters: { since: 'yesterday-ish' } },
    }).catch((e: unknown) => e);
    expect((error as Error).message).toContain('"yesterday-ish" in "Received After" is not a date and time');
    expect(server.requests).toHaveLength(0);
  });
});
