import type { Config } from '../../bridge/src/config.ts';
import type { Bridge } from '../../bridge/src/bridgeRuntime.ts';
import { listen } from '../../bridge/src/server.ts';
import { MISMATCH_LINE, installConformance } from './openapiConformance.ts';

/**
 * The tail of a bridge process's main for tests (fakeBridgeMain.ts, baileysBridgeMain.ts): listen
 * on 127.0.0.1, start the background work, print {"ready":true,…} (launchBridge waits for it),
 * and shut down on SIGTERM or SIGINT.
 */
export async function serveBridge(bridge: Bridge, config: Config): Promise<void> {
  // launchBridge asks for the OpenAPI check; the test process records what this prints.
  if (process.env.OPENAPI_CONFORMANCE === 'report') installConformance(bridge.app, config.waSandbox, (problem) => process.stdout.write(`${MISMATCH_LINE}${JSON.stringify(problem)}\n`));
  const running = await listen(bridge.app, config.port, bridge.state.log, '127.0.0.1');
  await bridge.start();
  process.stdout.write(`${JSON.stringify({ ready: true, url: running.url, instanceId: config.instanceId, pid: process.pid })}\n`);
  const stop = async () => {
    await running.shutdown(2_000);
    await bridge.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}
