import { Counter, type Registry } from 'prom-client';
import type { EventRecorder } from './eventTypes.ts';

/**
 * wab_events_recorded_total{type}: events this process stored in the outbox, once each (a
 * duplicate recording is not counted). `message.received` is the messages in, `message.sent` the
 * messages out; every event type is a label value (EVENT_TYPES), so the label stays bounded.
 */
export function eventMetrics(registry: Registry, events: EventRecorder): void {
  const recorded = new Counter({
    name: 'wab_events_recorded_total',
    help: 'Events stored in the outbox by type, once each (message.received = messages in, message.sent = messages out)',
    labelNames: ['type'],
    registers: [registry],
  });
  events.onRecorded((event) => {
    recorded.inc({ type: event.type });
  });
}
