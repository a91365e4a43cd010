import { Counter, type Registry } from 'prom-client';
import type { IgnoredReason } from './normalizeMessage.ts';

/** What the inbound path set aside: stanzas that are not chat messages, and ones it could not read. */
export function inboundMetrics(registry: Registry) {
  const ignored = new Counter({
    name: 'wab_inbound_ignored_total',
    help: 'Stanzas Baileys emitted as messages that are not messages of a chat (protocol messages, sender keys, group notices, status and channel posts), by reason',
    labelNames: ['reason'],
    registers: [registry],
  });
  const unreadable = new Counter({
    name: 'wab_inbound_unreadable_total',
    help: 'Inbound messages the bridge could not read (logged with their id)',
    registers: [registry],
  });
  return {
    ignored: (reason: IgnoredReason) => ignored.inc({ reason }),
    unreadable: () => unreadable.inc(),
  };
}

export type InboundMetrics = ReturnType<typeof inboundMetrics>;
