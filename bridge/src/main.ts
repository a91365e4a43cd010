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
  await bridge.start();
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
    await running.shutdown(config.shutdownTimeoutMs);
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
