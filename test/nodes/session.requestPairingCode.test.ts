import { describe, expect, it } from 'vitest';
import { runNode } from './helpers';
import { useSessionServer } from './sessionServer';

const { server, credentials } = useSessionServer();

describe('Session → Request Pairing Code', () => {
  it('Request Pairing Code posts the normalised phone number', async () => {
    const out = await runNode({
      credentials: credentials(),
      parameters: { resource: 'session', operation: 'requestPairingCode', session: 'sales', phoneNumber: '+49 151 2345-6789' },
    });
    expect(server().requests[0].body).toEqual({ phoneNumber: '4915123456789' });
    expect(out[0].json).toEqual({ session: 'sales', phoneNumber: '4915123456789', code: 'ABCD-EFGH' });
  });
});
