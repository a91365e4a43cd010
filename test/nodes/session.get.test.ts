import { describe, expect, it } from 'vitest';
import { runNode } from './helpers';
import { useSessionServer, status } from './sessionServer';

const { server, credentials } = useSessionServer();

describe('Session → Get', () => {
  it('Get answers the session', async () => {
    const out = await runNode({ credentials: credentials(), parameters: { resource: 'session', operation: 'get', session: 'sales' } });
    expect(server().requests[0].path).toBe('/v1/sessions/sales');
    expect(out).toEqual([{ json: status('sales'), pairedItem: { item: 0 } }]);
  });
});
