/**
 * The real bridge in its own process with the real Baileys (the production socket factory),
 * pointed at a simulator by WA_WEBSOCKET_URL, for tests and benchmarks that kill or measure a
 * whole process. Config comes from the environment as in production; it prints
 * {"ready":true,…} once it listens and its background work has started.
 */
import { trustSimulatorRoot } from '../../bridge/src/simulator/trustSimulatorRoot.ts';
import { loadConfig } from '../../bridge/src/config.ts';
import { createBridge } from '../../bridge/src/bridgeRuntime.ts';
import { listen } from '../../bridge/src/server.ts';

trustSimulatorRoot();
const config = loadConfig();
const bridge = await createBridge(config, { reconnect: { backoff: { baseMs: 200, capMs: 2_000 } } });
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
