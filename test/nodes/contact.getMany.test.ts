import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRecordingServer, type RecordingServer } from '../support/recordingServer';
import { API_KEY, runNode } from './helpers';

const CONTACTS = Array.from({ length: 5 }, (_, i) => ({ jid: `49${i}@s.whatsapp.net`, name: `c${i}` }));

let server: RecordingServer;
beforeAll(async () => {
  server = await startRecordingServer((req) => {
    const start = Number(req.query.cursor ?? 0);
    const limit = Math.min(Number(req.query.limit), 2); // this bridge answers at most 2 per page
    const data = CONTACTS.slice(start, start + limit);
    const next = start + data.length < CONTACTS.length ? String(start + data.length) : null;
    return { body: { data, pagination: { limit, nextCursor: next, hasMore: next !== null } } };
  });
});
afterAll(() => server.close());

describe('Contact → Get Many', () => {
  it('pages through every contact of the session by cursor', async () => {
    const out = await runNode({
      credentials: { baseUrl: server.url, apiKey: API_KEY },
      parameters: { resource: 'contact', operation: 'getMany', returnAll: true, filters: { session: 'sales' } },
    });
    expect(out.map((o) => o.json.name)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    expect(server.requests.map((r) => [r.path, r.query.session, r.query.cursor ?? null])).toEqual([
      ['/v1/contacts', 'sales', null],
      ['/v1/contacts', 'sales', '2'],
      ['/v1/contacts', 'sales', '4'],
    ]);
    expect(out.map((o) => o.pairedItem)).toEqual(Array(5).fill({ item: 0 }));
  });
});
