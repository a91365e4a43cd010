import { startTestBridge, type TestBridge, type TestBridgeOptions } from './stack.ts';
import { FakeGateway } from './fakeGateway.ts';
import { until } from './sessionWaits.ts';
import type { RecordedEvent } from '../../bridge/src/events/eventTypes.ts';

export interface MessagingTestBridge extends TestBridge {
  gateway: FakeGateway;
  /** Every event recorded by this bridge, in order. */
  recorded: RecordedEvent[];
}

/** A test bridge with the fake session gateway bound to its fake WhatsApp and sinks. */
export async function startMessagingBridge(options: TestBridgeOptions): Promise<MessagingTestBridge> {
  const gateway = new FakeGateway();
  const tb = await startTestBridge({ ...options, bridgeOptions: { sessionGateway: gateway, ...options.bridgeOptions } });
  gateway.bind(tb.whatsapp, tb.bridge.sinks, tb.state.log);
  const recorded: RecordedEvent[] = [];
  tb.bridge.events.onRecorded((event) => void recorded.push(event));
  const close = tb.close;
  return Object.assign(tb, {
    gateway,
    recorded,
    async close() {
      gateway.closeAll();
      await close();
    },
  });
}

/** Waits for `check` to hold (the same as sessionWaits' until). */
export const waitUntil = until;
