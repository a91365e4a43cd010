import { Counter, Gauge, type Registry } from 'prom-client';
import type { IgnoredReason } from './normalizeMessage.ts';
import { withDeadline } from '../infra/deadline.ts';

/** What the inbound path set aside: stanzas that are not chat messages, and ones it could not read. */
export function inboundMetrics(registry: Registry, deadLetters?: () => Promise<number>, backlog?: () => Promise<number>) {
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
  const gaveUp = new Counter({
    name: 'wab_inbound_gave_up_total',
    help: 'Inbound writes that gave up after all their attempts (kept as dead letters: GET /v1/admin/dead-letters), by kind',
    labelNames: ['kind'],
    registers: [registry],
  });
  new Gauge({
    name: 'wab_inbound_dead_letters',
    help: 'Inbound writes waiting in the dead-letter set for a replay',
    registers: [registry],
    async collect() {
      if (deadLetters) this.set(await deadLetters().catch(() => 0));
    },
  });
  new Gauge({
    name: 'wab_inbound_queue_jobs',
    help: 'Inbound writes waiting in the retry queue (Redis) for MongoDB: waiting, delayed or in progress',
    registers: [registry],
    async collect() {
      if (!backlog) return;
      // Redis unreachable: keep the last value (readiness reports the outage) and do not hold the scrape.
      const count = await withDeadline(backlog(), 2_000, 'inbound retry queue count').catch(() => undefined);
      if (count !== undefined) this.set(count);
    },
  });
  const spooled = new Counter({
    name: 'wab_inbound_spooled_total',
    help: 'Inbound writes put in the local spool file because MongoDB and Redis were both unreachable',
    registers: [registry],
  });
  return {
    gaveUp: (kind: string) => gaveUp.inc({ kind }),
    spooled: (count: number) => spooled.inc(count),
    ignored: (reason: IgnoredReason) => ignored.inc({ reason }),
    unreadable: () => unreadable.inc(),
  };
}

export type InboundMetrics = ReturnType<typeof inboundMetrics>;
