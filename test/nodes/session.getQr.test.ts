import { NodeApiError } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';
import { runNode } from './helpers';
import { PNG, useSessionServer } from './sessionServer';

const { server, credentials } = useSessionServer();

describe('Session → Get QR Code', () => {
  it('Get QR Code as JSON', async () => {
    const out = await runNode({ credentials: credentials(), parameters: { resource: 'session', operation: 'getQr', session: 'sales', format: 'json' } });
    expect(server().requests[0].query).toEqual({});
    expect(out[0].json).toEqual({ session: 'sales', qr: '2@abc', dataUrl: 'data:image/png;base64,xyz', expiresAt: '2026-01-01T00:00:20.000Z' });
  });
  it('Get QR Code as a binary PNG in the chosen field', async () => {
    const out = await runNode({
      credentials: credentials(),
      parameters: { resource: 'session', operation: 'getQr', session: 'sales', format: 'png', binaryPropertyName: 'qr' },
    });
    expect(server().requests[0].query).toEqual({ format: 'png' });
    expect(out[0].json).toEqual({ session: 'sales', mimeType: 'image/png', fileSize: PNG.length });
    const binary = out[0].binary!.qr;
    expect(binary.mimeType).toBe('image/png');
    expect(binary.fileName).toBe('qr-sales.png');
    expect(Buffer.from(binary.data, 'base64').equals(PNG)).toBe(true);
    expect(out[0].pairedItem).toEqual({ item: 0 });
  });
  it('Get QR Code when there is none is a clear error', async () => {
    const error = await runNode({ credentials: credentials(), parameters: { resource: 'session', operation: 'getQr', session: 'idle', format: 'png', binaryPropertyName: 'data' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeApiError);
    expect((error as Error).message).toBe('No QR code right now [qr_not_available]');
  });
});
