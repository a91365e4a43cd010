import { describe, expect, it } from 'vitest';
import { runNode } from './helpers';
import { useSessionServer, status } from './sessionServer';

const { server, credentials } = useSessionServer();

describe('Session → Create', () => {
  it('Create posts the name per item; an existing name fails that item with the bridge’s message', async () => {
    const out = await runNode({
      credentials: credentials(),
      continueOnFail: true,
      items: [{ json: {} }, { json: {} }],
      parameters: [
        { resource: 'session', operation: 'create', session: 'sales' },
        { resource: 'session', operation: 'create', session: 'taken' },
      ],
    });
    expect(server().requests.map((r) => r.body)).toEqual([{ name: 'sales' }, { name: 'taken' }]);
    expect(out[0]).toEqual({ json: status('sales'), pairedItem: { item: 0 } });
    expect(out[1]).toMatchObject({ json: { error: 'A session named "taken" exists [session_exists]', httpCode: '409' }, pairedItem: { item: 1 } });
  });

  it('Create can leave the session stopped', async () => {
    await runNode({ credentials: credentials(), parameters: { resource: 'session', operation: 'create', session: 'later', start: false } });
    expect(server().requests[0].body).toEqual({ name: 'later', start: false });
  });
});
