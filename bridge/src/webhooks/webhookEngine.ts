import type { AppState } from '../appState.ts';
import type { EventRecorder } from '../events/eventTypes.ts';
import { createRedis } from '../infra/redis.ts';
import { withDeadline } from '../infra/deadline.ts';
import { deliveryQueue } from './deliveryQueue.ts';
import { deliveryWorker } from './deliveryWorker.ts';
import { dispatcher } from './dispatcher.ts';
import { endpointHealth } from './endpointHealth.ts';
import { endpointSlots } from './endpointSlots.ts';
import { deliveryLog, type DeliveryLog } from './deliveryLog.ts';
import { systemResolver, type Resolver } from '../infra/addressGuard.ts';
import { webhookMetrics } from './webhookMetrics.ts';
import { webhookRegistry, type WebhookRegistry } from './webhookRegistry.ts';
import { webhookSender } from './webhookDelivery.ts';
import { RecentCache } from './recentCache.ts';
import type { RecentDocs } from './deliveryWorker.ts';
import type { EventDoc } from '../models/event.ts';
import type { DeliveryDoc } from '../models/delivery.ts';
import type { WebhookDoc } from '../models/webhook.ts';

/** Knobs that are not part of the public configuration (tests and benchmarks shorten them). */
export interface WebhookTuning {
  /** Delivery jobs one instance runs at once. */
  concurrency: number;
  /** Attempts in flight to one endpoint across all instances. */
  perEndpointInFlight: number;
  sweepIntervalMs: number;
  dispatchGraceMs: number;
  overdueMs: number;
  /** An endpoint failing this long without a success is disabled (5 days). */
  disableAfterMs: number;
  closeGraceMs: number;
  registrationLookupTimeoutMs: number;
  resolver: Resolver;
  /** Tests only: which addresses count as public (see AddressPolicy). */
  isPublic?: (address: string) => boolean;
}

export const DEFAULT_WEBHOOK_TUNING: WebhookTuning = {
  concurrency: 100,
  perEndpointInFlight: 10,
  sweepIntervalMs: 5_000,
  dispatchGraceMs: 5_000,
  overdueMs: 60_000,
  disableAfterMs: 5 * 24 * 3_600_000,
  closeGraceMs: 3_000,
  registrationLookupTimeoutMs: 3_000,
  resolver: systemResolver,
};

export interface WebhookEngine {
  registry: WebhookRegistry;
  deliveries: DeliveryLog;
  /** Starts the delivery worker and the dispatcher sweep. */
  start(): void;
  /** Stops within closeGraceMs + 2 s: attempts still hanging then are abandoned (and re-run later). */
  close(): Promise<void>;
}

/**
 * Webhook delivery, built from the application state: the registry and attempt log (API), the
 * dispatcher (events → deliveries), the BullMQ queue and worker (deliveries → signed POSTs). The
 * API side works without start(), so an API-only instance can enqueue for worker instances.
 */
export function createWebhookEngine(state: AppState, events: EventRecorder, overrides: Partial<WebhookTuning> = {}): WebhookEngine {
  const tuning = { ...DEFAULT_WEBHOOK_TUNING, ...overrides };
  const { config, models, log } = state;
  const queueConnection = createRedis(config.redisUrl, 'queue');
  const queue = deliveryQueue(queueConnection, state.keyPrefix);
  const metrics = webhookMetrics(state.metrics.registry, () => queue.counts());
  // What the pipeline just wrote or read, so its next step does not read it back (recentCache.ts).
  const recent: RecentDocs = {
    events: new RecentCache<EventDoc>(20_000, 10 * 60_000),
    deliveries: new RecentCache<DeliveryDoc>(20_000, 10 * 60_000),
    // Short: another instance may change an endpoint; changes made here clear it at once.
    webhooks: new RecentCache<WebhookDoc>(1_000, 1_000),
  };
  const dispatch = dispatcher(models, queue, log, tuning, recent.deliveries);
  const registry = webhookRegistry(models, state.secrets, dispatch, {
    onChange: () => recent.webhooks.clear(),
    allowPrivate: config.webhookAllowPrivateNetworks,
    resolver: tuning.resolver,
    isPublic: tuning.isPublic,
    lookupTimeoutMs: tuning.registrationLookupTimeoutMs,
  });
  const deliveries = deliveryLog(models, queue, registry);

  // The outbox is write-only: recording stores the event and returns; the dispatcher fans it out
  // right behind (in batches), and its sweep covers whatever that could not finish.
  events.onRecorded((event) => {
    recent.events.set(event.id, { _id: event.id, organizationId: event.organizationId, type: event.type, session: event.session, data: event.data, timestamp: event.timestamp } as EventDoc);
    dispatch.schedule(event);
  });

  let worker: ReturnType<typeof deliveryWorker> | undefined;
  let workerConnection: ReturnType<typeof createRedis> | undefined;
  let closing: Promise<void> | undefined;
  const sender = webhookSender({
    timeoutMs: config.webhookTimeoutMs,
    allowPrivate: config.webhookAllowPrivateNetworks,
    resolver: tuning.resolver,
    isPublic: tuning.isPublic,
    userAgent: 'whatsapp-bridge-webhooks/1',
  });

  return {
    registry,
    deliveries,
    start() {
      if (worker) return;
      workerConnection = createRedis(config.redisUrl, 'queue');
      worker = deliveryWorker(
        {
          models,
          secrets: state.secrets,
          sender,
          queue,
          slots: endpointSlots(state.redis, { keyPrefix: state.keyPrefix, perEndpoint: tuning.perEndpointInFlight, holdMs: config.webhookTimeoutMs + 5_000 }),
          health: endpointHealth(models, metrics, tuning.disableAfterMs),
          metrics,
          log,
          recent,
        },
        { connection: workerConnection, prefix: state.keyPrefix, concurrency: tuning.concurrency, schedule: config.webhookRetrySchedule, closeGraceMs: tuning.closeGraceMs },
      );
      worker.worker.run().catch((err: unknown) => log.error({ err }, 'webhook delivery worker stopped'));
      dispatch.start();
    },
    close() {
      closing ??= (async () => {
        await dispatch.stop();
        await worker?.close();
        await sender.close();
        // With Redis unreachable BullMQ's close would wait for it; disconnecting settles it.
        await withDeadline(queue.close(), 2_000, 'webhook queue close').catch(() => undefined);
        workerConnection?.disconnect();
        queueConnection.disconnect();
      })();
      return closing;
    },
  };
}
