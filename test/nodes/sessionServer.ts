import { afterAll, beforeAll, beforeEach } from 'vitest';
import { bridgeError, startRecordingServer, type RecordingServer } from '../support/recordingServer';
import { API_KEY } from './helpers';

// A 1×1 PNG.
export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
export const status = (name: string) => ({ name, status: 'qr_ready', phoneNumber: null, pushName: null });

/** A recording server answering the session routes like the bridge; one per test file. */
export function useSessionServer(): { server: () => RecordingServer; credentials: () => { baseUrl: string; apiKey: string } } {
  let server: RecordingServer;
  beforeAll(async () => {
    server = await startRecordingServer((req) => {
      const route = `${req.method} ${req.path}`;
      if (route === 'POST /v1/sessions') return req.body.name === 'taken' ? bridgeError(409, 'session_exists', 'A session named "taken" exists') : { status: 201, body: status(req.body.name) };
      if (route === 'GET /v1/sessions') return { body: { data: [status('a'), status('b'), status('c')] } };
      if (route === 'GET /v1/sessions/sales') return { body: status('sales') };
      if (route === 'GET /v1/sessions/sales/qr') {
        if (req.query.format === 'png') return { body: PNG, headers: { 'content-type': 'image/png' } };
        return { body: { qr: '2@abc', dataUrl: 'data:image/png;base64,xyz', expiresAt: '2026-01-01T00:00:20.000Z' } };
      }
      if (route === 'GET /v1/sessions/idle/qr') return bridgeError(404, 'qr_not_available', 'No QR code right now');
      if (route === 'POST /v1/sessions/sales/pairing-code') return { body: { code: 'ABCD-EFGH' } };
      if (route === 'POST /v1/sessions/sales/logout') return { body: status('sales') };
      if (route === 'DELETE /v1/sessions/sales') return { status: 204 };
      return bridgeError(404, 'not_found', `no route ${route}`);
    });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
  });
  return { server: () => server, credentials: () => ({ baseUrl: server.url, apiKey: API_KEY }) };
}
