import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { baileysSocketFactory } from '../../bridge/src/whatsapp/baileysSocket.ts';
import type { BridgeOptions } from '../../bridge/src/bridgeRuntime.ts';
import { MONGODB_URI, startTestBridge, type TestBridge } from './stack.ts';

/**
 * `npm start` with WA_SANDBOX=true, in-process, for the file's tests: the bridge's real Baileys
 * against its own simulator (state in a temporary folder), and an organization key; `env` adds to its environment.
 */
export function useSandboxBridge(label: string, started: (bridge: TestBridge, key: string) => void, bridgeOptions: BridgeOptions = {}, env: Record<string, string> = {}): void {
  let bridge: TestBridge | undefined;
  let folder: string | undefined;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), `sim-${label}-`));
    bridge = await startTestBridge({
      label,
      env: { WA_SANDBOX: 'true', WA_SANDBOX_PORT: '0', WA_SANDBOX_STATE_FILE: join(folder, 'state.json'), MONGODB_URI: `${MONGODB_URI}?maxPoolSize=4`, ...env },
      bridgeOptions: { socketFactory: baileysSocketFactory, reconnect: { backoff: { baseMs: 200, capMs: 1_000 } }, ...bridgeOptions },
    });
    started(bridge, (await bridge.createOrganization()).apiKey);
  });
  afterAll(async () => {
    await bridge?.close();
    if (folder) await rm(folder, { recursive: true, force: true });
  });
}
