import { WhatsAppSimulator } from './whatsAppSimulator.ts';
import { controlApi } from './controlApi.ts';
import { trustSimulatorRoot } from './trustSimulatorRoot.ts';
import { readSimulatorState, writeSimulatorState, type SimulatorState } from './simulatorState.ts';

export interface SandboxSimulator {
  simulator: WhatsAppSimulator;
  /** Where sessions connect instead of WhatsApp (becomes WA_WEBSOCKET_URL). */
  webSocketUrl: string;
  /** The control API's base URL (`…/control`). */
  controlUrl: string;
  stop(): Promise<void>;
}

/**
 * Sandbox mode's simulator: the WhatsApp socket and its control API on one local port. Trusts the
 * simulator root in this process, so it must only be started when WA_SANDBOX=true.
 */
export async function startSandboxSimulator(options: { port: number; host?: string; stateFile?: string }): Promise<SandboxSimulator> {
  trustSimulatorRoot();
  const control = controlApi();
  const { stateFile } = options;
  // Saves are chained so an older state never overwrites a newer one.
  let saving: Promise<void> = Promise.resolve();
  const save = (state: SimulatorState) => {
    if (!stateFile) return;
    saving = saving.then(() => writeSimulatorState(stateFile, state)).catch(() => undefined);
  };
  const simulator = await WhatsAppSimulator.start({
    port: options.port,
    host: options.host ?? '127.0.0.1',
    restore: stateFile ? await readSimulatorState(stateFile) : undefined,
    onStateChange: save,
    onHttpRequest: (req, res, self) => {
      if ((req.url ?? '').startsWith('/control')) control(req, res, self);
      else res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":{"code":"not_found","message":"see /control"}}');
    },
  });
  return {
    simulator,
    webSocketUrl: simulator.url,
    controlUrl: `${simulator.httpUrl}/control`,
    async stop() {
      await simulator.stop();
      await saving;
    },
  };
}
