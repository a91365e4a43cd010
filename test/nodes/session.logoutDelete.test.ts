import { describe, expect, it } from 'vitest';
import { runNode } from './helpers';
import { useSessionServer } from './sessionServer';

const { server, credentials } = useSessionServer();

describe('Session → Logout and Delete', () => {
  it('Logout and Delete (with purge) call the lifecycle routes', async () => {
    const out = await runNode({
      credentials: credentials(),
      items: [{ json: {} }, { json: {} }],
      parameters: [
        { resource: 'session', operation: 'logout', session: 'sales' },
        { resource: 'session', operation: 'delete', session: 'sales', purge: true },
      ],
    });
    expect(server().requests.map((r) => `${r.method} ${r.path} ${JSON.stringify(r.query)}`)).toEqual([
      'POST /v1/sessions/sales/logout {}',
      'DELETE /v1/sessions/sales {"purge":"true"}',
    ]);
    expect(out[0].json).toMatchObject({ session: 'sales', success: true });
    expect(out[1]).toEqual({ json: { session: 'sales', deleted: true }, pairedItem: { item: 1 } });
  });
});
