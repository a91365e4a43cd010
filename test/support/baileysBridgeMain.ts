/**
 * The real bridge in its own process with the real Baileys (the production socket factory),
 * pointed at a simulator by WA_WEBSOCKET_URL, for tests and benchmarks that kill or measure a
 * whole process. Config comes from the environment as in production; it prints
 * {"ready":true,…} once it listens and its background work has started.
 */
import { trustSimulatorRoot } from '../../bridge/src/simulator/trustSimulatorRoot.ts';
import { loadConfig } from '../../bridge/src/config.ts';
import { createBridge } from '../../bridge/src/bridgeRuntime.ts';
import { serveBridge } from './serveBridge.ts';

trustSimulatorRoot();
const config = loadConfig();
const bridge = await createBridge(config, { reconnect: { backoff: { baseMs: 200, capMs: 2_000 } } });
await serveBridge(bridge, config);
