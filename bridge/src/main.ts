import { ConfigError, loadConfig, type Config } from './config.ts';
import { createBridge } from './bridgeRuntime.ts';
import { listen } from './server.ts';

/** Entry point: config → state → HTTP server; SIGTERM/SIGINT shut down within SHUTDOWN_TIMEOUT_MS. */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const bridge = await createBridge(config);
  const { state } = bridge;
  const running = await listen(bridge.app, config.port, state.log);
  // METRICS_PORT: /metrics alone on a listener of its own (e.g. reachable only from the monitoring network).
  const metrics = bridge.metricsApp && config.metricsPort !== undefined ? await listen(bridge.metricsApp, config.metricsPort, state.log) : undefined;
  await bridge.start();
  if (metrics) state.log.info({ url: `${metrics.url}/metrics` }, `metrics listening on ${metrics.url}/metrics`);
  state.log.info({ url: running.url, publicUrl: config.publicUrl, instanceId: config.instanceId }, `bridge listening on ${running.url}`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    state.log.info({ signal }, 'shutting down');
    const hardStop = setTimeout(() => {
      state.log.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs + 5_000);
    hardStop.unref();
    await Promise.all([running.shutdown(config.shutdownTimeoutMs), metrics?.shutdown(config.shutdownTimeoutMs)]);
    await bridge.close();
    state.log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`bridge failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
