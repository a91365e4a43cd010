import { describe, expect, it } from 'vitest';
import { runNode } from './helpers';
import { useSessionServer } from './sessionServer';

const { server, credentials } = useSessionServer();

describe('Session → Get Many', () => {
  it('Get Many answers one item per session, up to the limit', async () => {
    const all = await runNode({ credentials: credentials(), parameters: { resource: 'session', operation: 'getMany', returnAll: true } });
    expect(all.map((o) => o.json.name)).toEqual(['a', 'b', 'c']);
    const two = await runNode({ credentials: credentials(), parameters: { resource: 'session', operation: 'getMany', returnAll: false, limit: 2 } });
    expect(two.map((o) => o.json.name)).toEqual(['a', 'b']);
    expect(server().requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/sessions', 'GET /v1/sessions']);
    expect(two.map((o) => o.pairedItem)).toEqual([{ item: 0 }, { item: 0 }]);
  });
});
