import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../bridge/src/config.ts';
import { startTestBridge, testEnv } from '../support/stack.ts';

const main = fileURLToPath(new URL('../../bridge/src/main.ts', import.meta.url));

function controlUrlOf(webSocketUrl: string): string {
  return webSocketUrl.replace(/^ws:/, 'http:').replace(/\/ws\/chat$/, '/control');
}

describe('sandbox mode (WA_SANDBOX=true)', () => {
  it('is refused when NODE_ENV=production unless explicitly allowed, and cannot be combined with WA_WEBSOCKET_URL', () => {
    expect(() => loadConfig(testEnv({ WA_SANDBOX: 'true', NODE_ENV: 'production' }))).toThrow(/^Invalid configuration: WA_SANDBOX must not be true when NODE_ENV=production/);
    expect(loadConfig(testEnv({ WA_SANDBOX: 'true', NODE_ENV: 'production', WA_SANDBOX_ALLOW_IN_PRODUCTION: 'true' })).waSandbox).toBe(true);
    expect(loadConfig(testEnv({ NODE_ENV: 'production' })).waSandbox).toBe(false);
    expect(() => loadConfig(testEnv({ WA_SANDBOX: 'true', WA_WEBSOCKET_URL: 'ws://127.0.0.1:1/ws/chat' }))).toThrow(/^Invalid configuration: WA_WEBSOCKET_URL /);
    expect(() => loadConfig(testEnv({ WA_SANDBOX_PORT: 'x' }))).toThrow(/^Invalid configuration: WA_SANDBOX_PORT /);
  });

  it('the bridge refuses to start in production with WA_SANDBOX=true, with one clear line', () => {
    const env = { ...testEnv(), WA_SANDBOX: 'true', NODE_ENV: 'production' };
    const result = spawnSync(process.execPath, [main], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', timeout: 20_000 });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^Invalid configuration: WA_SANDBOX must not be true/)]);
  });

  it('starts the simulator beside the bridge, points sessions at it and labels every response', async () => {
    const bridge = await startTestBridge({ label: 'sandbox', env: { WA_SANDBOX: 'true', WA_SANDBOX_PORT: '0', WA_SANDBOX_STATE_FILE: join(tmpdir(), `sim-state-${process.pid}-${Date.now()}.json`) }, noStart: true });
    const webSocketUrl = bridge.state.config.waWebSocketUrl ?? '';
    const controlUrl = controlUrlOf(webSocketUrl);
    try {
      expect(webSocketUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws\/chat$/);
      const control = await fetch(controlUrl);
      expect(await control.json()).toMatchObject({ sandbox: true, webSocketUrl, devices: [] });

      const health = await bridge.request('GET', '/healthz');
      expect(health.body).toMatchObject({ status: 'ok', sandbox: true });
      expect(health.headers.get('x-whatsapp-sandbox')).toBe('true');
      const missing = await bridge.request('GET', '/v1/nowhere');
      expect(missing.status).toBe(404);
      expect(missing.headers.get('x-whatsapp-sandbox')).toBe('true');
    } finally {
      await bridge.close();
    }
    await expect(fetch(controlUrl)).rejects.toThrow();
  });

  it('says nothing about a sandbox when it is off', async () => {
    const bridge = await startTestBridge({ label: 'nosandbox', noStart: true });
    try {
      const health = await bridge.request('GET', '/healthz');
      expect(health.body.sandbox).toBeUndefined();
      expect(health.headers.get('x-whatsapp-sandbox')).toBeNull();
    } finally {
      await bridge.close();
    }
  });
});
