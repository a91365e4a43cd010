import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRecordingServer, type RecordingServer } from '../support/recordingServer';
import { API_KEY, runNode } from './helpers';

let server: RecordingServer;
beforeAll(async () => {
  server = await startRecordingServer(() => ({ status: 202, body: { id: 'msg_loc', status: 'pending' } }));
});
afterAll(() => server.close());

describe('Message → Send Location', () => {
  it('sends latitude, longitude and name, and refuses an out-of-range latitude for that item only', async () => {
    const out = await runNode({
      credentials: { baseUrl: server.url, apiKey: API_KEY },
      continueOnFail: true,
      items: [{ json: {} }, { json: {} }],
      parameters: [
        { resource: 'message', operation: 'sendLocation', session: 'sales', to: '491', latitude: 52.52, longitude: 13.405, options: { name: 'Berlin' } },
        { resource: 'message', operation: 'sendLocation', session: 'sales', to: '491', latitude: 95, longitude: 0, options: {} },
      ],
    });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0].body).toEqual({ to: '491', location: { latitude: 52.52, longitude: 13.405, name: 'Berlin' } });
    expect(out[0]).toEqual({ json: { session: 'sales', to: '491', id: 'msg_loc', status: 'pending' }, pairedItem: { item: 0 } });
    expect(out[1].pairedItem).toEqual({ item: 1 });
    expect(out[1].json.error).toBe('Latitude 95 is not between -90 and 90');
  });
});
