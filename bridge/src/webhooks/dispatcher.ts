import type { Logger } from '../infra/logger.ts';
import { newId } from '../infra/ids.ts';
import type { Models } from '../models/index.ts';
import type { DeliveryDoc } from '../models/delivery.ts';
import type { DeliveryQueue } from './deliveryQueue.ts';

export interface DispatchableEvent {
  id: string;
  organizationId: string;
  type: string;
  session: string | null;
}

export interface Dispatcher {
  /** Creates (once) and enqueues a delivery of the event to every matching enabled webhook, then marks the event dispatched. */
  fanOut(event: DispatchableEvent): Promise<void>;
  /** Creates (once) and enqueues the delivery of an event to one webhook. */
  deliver(event: DispatchableEvent, webhookId: string): Promise<DeliveryDoc>;
  start(): void;
  stop(): Promise<void>;
}

export interface DispatcherOptions {
  sweepIntervalMs: number;
  /** Events still undispatched this long after their timestamp are fanned out by the sweep. */
  dispatchGraceMs: number;
  /** Pending deliveries this far past their next attempt are re-enqueued (their job was lost). */
  overdueMs: number;
}

const SWEEP_BATCH = 200;
/** Dispatch marks are written in batches this often (a lost batch only means a repeat fan-out). */
const MARK_INTERVAL_MS = 100;

function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: number })?.code === 11000;
}

/**
 * Turns recorded events into deliveries. The recorder's listener fans out at once; a periodic
 * sweep catches events whose fan-out failed (Redis down, crash) and pending deliveries whose job
 * disappeared (Redis lost its data). Both paths are idempotent: the (eventId, webhookId) unique
 * index gives one delivery, its derived job id gives one job.
 */
export function dispatcher(models: Models, queue: DeliveryQueue, log: Logger, options: DispatcherOptions): Dispatcher {
  async function deliver(event: DispatchableEvent, webhookId: string): Promise<DeliveryDoc> {
    const now = new Date();
    const doc: DeliveryDoc = {
      _id: newId('dlv', now.getTime()),
      organizationId: event.organizationId,
      webhookId,
      eventId: event.id,
      eventType: event.type,
      session: event.session,
      status: 'pending',
      round: 0,
      roundAttempts: 0,
      attemptCount: 0,
      attempts: [],
      nextAttemptAt: now,
      lastError: null,
      createdAt: now,
      updatedAt: now,
      completedAt: null,
    };
    let delivery = doc;
    try {
      await models.Delivery.collection.insertOne(doc as unknown as Parameters<typeof models.Delivery.collection.insertOne>[0]);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const existing = await models.Delivery.findOne({ eventId: event.id, webhookId }).lean<DeliveryDoc>();
      if (!existing) throw error;
      delivery = existing;
    }
    // Only a pending delivery needs a job; the job id makes a repeat a no-op while it is queued.
    if (delivery.status === 'pending') {
      const due = delivery.nextAttemptAt ? delivery.nextAttemptAt.getTime() - Date.now() : 0;
      await queue.enqueue(delivery, due);
    }
    return delivery;
  }

  // Marking events dispatched one update per event would cost as much as the fan-out itself.
  let toMark: string[] = [];
  let markTimer: NodeJS.Timeout | undefined;
  async function flushMarks(): Promise<void> {
    clearTimeout(markTimer);
    markTimer = undefined;
    const ids = toMark;
    toMark = [];
    if (ids.length === 0) return;
    // One updateOne per _id, in turn: FerretDB decodes every event for an `$in` update (each batch
    // cost the whole collection: a 1,000-session run crawled), and a multi-statement bulkWrite
    // made its PostgreSQL pool run dry under the outage test's burst. Each single-_id update is
    // pushed down; on MongoDB these are cheap _id updates off the hot path.
    const dispatchedAt = new Date();
    for (const _id of ids) await models.Event.updateOne({ _id }, { $set: { dispatchedAt } });
  }
  function markDispatched(id: string): void {
    toMark.push(id);
    markTimer ??= setTimeout(() => void flushMarks().catch((err: unknown) => log.warn({ err }, 'marking events dispatched failed')), MARK_INTERVAL_MS);
  }

  async function fanOut(event: DispatchableEvent): Promise<void> {
    const sessionMatch = event.session === null ? [{ sessions: null }] : [{ sessions: null }, { sessions: event.session }];
    const webhooks = await models.Webhook.find({ organizationId: event.organizationId, enabled: true, events: event.type, $or: sessionMatch }, { _id: 1 }).lean();
    for (const webhook of webhooks) await deliver(event, webhook._id);
    markDispatched(event.id);
  }

  async function sweep(): Promise<void> {
    const now = Date.now();
    const events = await models.Event.find({ dispatchedAt: null, timestamp: { $lt: new Date(now - options.dispatchGraceMs) } })
      .sort({ timestamp: 1 })
      .limit(SWEEP_BATCH)
      .lean();
    for (const event of events) {
      await fanOut({ id: event._id, organizationId: event.organizationId, type: event.type, session: event.session });
    }
    const overdue = await models.Delivery.find({ status: 'pending', nextAttemptAt: { $lt: new Date(now - options.overdueMs) } })
      .sort({ nextAttemptAt: 1 })
      .limit(SWEEP_BATCH)
      .lean<DeliveryDoc[]>();
    for (const delivery of overdue) await queue.enqueue(delivery);
    if (events.length || overdue.length) log.debug({ events: events.length, overdue: overdue.length }, 'webhook dispatcher sweep');
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = true;
  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = sweep()
        .catch((err: unknown) => log.warn({ err }, 'webhook dispatcher sweep failed'))
        .finally(() => {
          running = undefined;
          schedule();
        });
    }, options.sweepIntervalMs);
  }

  return {
    fanOut,
    deliver,
    start() {
      if (!stopped) return;
      stopped = false;
      schedule();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      await flushMarks().catch((err: unknown) => log.warn({ err }, 'marking events dispatched failed'));
    },
  };
}
