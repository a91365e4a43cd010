import { Counter, Gauge, type Registry } from 'prom-client';

/** What an operator watches about sessions on this instance. */
export interface SessionMetrics {
  /** Sets the number of sessions whose socket this instance holds (read at scrape time). */
  ownedBy(count: () => number): void;
  disconnected(reason: string, action: string): void;
}

export function sessionMetrics(registry: Registry): SessionMetrics {
  let owned: () => number = () => 0;
  new Gauge({
    name: 'wab_sessions_owned',
    help: 'Sessions whose WhatsApp socket this instance owns',
    registers: [registry],
    collect() {
      this.set(owned());
    },
  });
  const disconnects = new Counter({
    name: 'wab_session_disconnects_total',
    help: 'Socket closes by DisconnectReason and what the bridge did (reconnect, stop, logout)',
    labelNames: ['reason', 'action'],
    registers: [registry],
  });
  return {
    ownedBy(count) {
      owned = count;
    },
    disconnected(reason, action) {
      disconnects.inc({ reason, action });
    },
  };
}
