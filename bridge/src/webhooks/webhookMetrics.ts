import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { AttemptOutcome } from './webhookDelivery.ts';

export interface WebhookMetrics {
  deliveries: Counter<'outcome'>;
  attempts: Counter<'outcome'>;
  attemptDuration: Histogram<'outcome'>;
  disabled: Counter<'reason'>;
}

/** Delivery metrics in the state's registry; queue depth is read from Redis when scraped. */
export function webhookMetrics(registry: Registry, queueCounts: () => Promise<Record<string, number>>): WebhookMetrics {
  new Gauge({
    name: 'wab_webhook_queue_jobs',
    help: 'Webhook delivery jobs in the queue by state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      try {
        const counts = await queueCounts();
        for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
      } catch {
        // Redis unreachable: keep the last values; readiness reports the outage.
      }
    },
  });
  return {
    deliveries: new Counter({
      name: 'wab_webhook_deliveries_total',
      help: 'Webhook deliveries that reached a final outcome (succeeded, failed)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    attempts: new Counter({
      name: 'wab_webhook_attempts_total',
      help: 'Webhook delivery attempts by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    attemptDuration: new Histogram({
      name: 'wab_webhook_attempt_duration_seconds',
      help: 'Duration of webhook delivery attempts',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30],
      registers: [registry],
    }),
    disabled: new Counter({
      name: 'wab_webhook_endpoints_disabled_total',
      help: 'Webhook endpoints disabled by the bridge (gone = 410, failing = no success for 5 days)',
      labelNames: ['reason'],
      registers: [registry],
    }),
  };
}

export function observeAttempt(metrics: WebhookMetrics, outcome: AttemptOutcome, durationMs: number): void {
  metrics.attempts.inc({ outcome });
  metrics.attemptDuration.observe({ outcome }, durationMs / 1_000);
}
