import type { Logger } from '../infra/logger.ts';
import { newId } from '../infra/ids.ts';
import { duplicatePositions, isDuplicateKey } from '../infra/duplicateKey.ts';
import type { Models } from '../models/index.ts';
import type { DeliveryDoc } from '../models/delivery.ts';
import type { EventDoc } from '../models/event.ts';
import type { WebhookDoc } from '../models/webhook.ts';
import { listing, runListing, type Listing } from '../infra/listing.ts';
import type { DeliveryQueue } from './deliveryQueue.ts';
import type { RecentCache } from './recentCache.ts';

export interface DispatchableEvent {
  id: string;
  organizationId: string;
  type: string;
  session: string | null;
}

export interface Dispatcher {
  /**
   * Queues the fan-out of a newly recorded event (the recorder's listener): returns at once;
   * events are fanned out in batches behind it, in recording order.
   */
  schedule(event: DispatchableEvent): void;
  /** Creates (once) and enqueues a delivery of each event to every matching enabled webhook, then marks the events dispatched. */
  fanOutMany(events: DispatchableEvent[]): Promise<void>;
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
/** Events fanned out in one go: one webhook lookup per organization, one insert, one enqueue. */
const FAN_OUT_BATCH = 500;
/**
 * Events waiting in memory for their fan-out. Beyond this they are left to the sweep (they are
 * stored, undispatched), which fans them out a few seconds later: nothing is lost.
 */
const MAX_WAITING = 50_000;

/** Events recorded before `before` and not fanned out yet, oldest first. */
export function undispatchedListing(before: Date): Listing {
  return listing({ filter: { dispatchedAt: null, timestamp: { $lt: before } }, sort: { timestamp: 1 }, index: { dispatchedAt: 1, timestamp: 1 }, limit: SWEEP_BATCH });
}

/** Pending deliveries whose next attempt was due before `before` (their job was lost), oldest first. */
export function overdueListing(before: Date): Listing {
  return listing({ filter: { status: 'pending', nextAttemptAt: { $lt: before } }, sort: { nextAttemptAt: 1 }, index: { status: 1, nextAttemptAt: 1 }, limit: SWEEP_BATCH });
}

/**
 * Turns recorded events into deliveries. The recorder's listener schedules each new event, and
 * they are fanned out in batches right behind it; a periodic sweep catches events whose fan-out
 * failed or never ran (Redis down, crash, a full backlog) and pending deliveries whose job
 * disappeared (Redis lost its data). Both paths are idempotent: the (eventId, webhookId) unique
 * index gives one delivery, its derived job id gives one job.
 */
export function dispatcher(models: Models, queue: DeliveryQueue, log: Logger, options: DispatcherOptions, created?: RecentCache<DeliveryDoc>): Dispatcher {
  function newDelivery(event: DispatchableEvent, webhookId: string, now: Date): DeliveryDoc {
    return {
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
      expiresAt: null,
    };
  }

  async function deliver(event: DispatchableEvent, webhookId: string): Promise<DeliveryDoc> {
    const doc = newDelivery(event, webhookId, new Date());
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

  async function fanOutMany(events: DispatchableEvent[]): Promise<void> {
    if (events.length === 0) return;
    // The organizations' enabled webhooks, once per batch (at most MAX_WEBHOOKS_PER_ORGANIZATION each).
    const organizations = [...new Set(events.map((e) => e.organizationId))];
    const webhooks = await models.Webhook.find({ organizationId: { $in: organizations }, enabled: true }, { _id: 1, organizationId: 1, events: 1, sessions: 1 })
      .lean<Array<Pick<WebhookDoc, '_id' | 'organizationId' | 'events' | 'sessions'>>>();
    const now = new Date();
    const docs: DeliveryDoc[] = [];
    for (const event of events) {
      for (const webhook of webhooks) {
        if (webhook.organizationId !== event.organizationId || !webhook.events.includes(event.type)) continue;
        if (webhook.sessions !== null && (event.session === null || !webhook.sessions.includes(event.session))) continue;
        docs.push(newDelivery(event, webhook._id, now));
      }
    }
    let existing = new Set<number>();
    if (docs.length > 0) {
      try {
        await models.Delivery.collection.insertMany(docs as unknown as Parameters<typeof models.Delivery.collection.insertMany>[0], { ordered: false });
      } catch (error) {
        // Fanned out before (the sweep and the listener raced, or a retried batch): one delivery each.
        const duplicates = duplicatePositions(error);
        if (!duplicates) throw error;
        existing = duplicates;
      }
      const fresh = docs.filter((_, index) => !existing.has(index));
      // The worker's first attempt takes the delivery from here instead of reading it back.
      for (const doc of fresh) created?.set(doc._id, doc);
      await queue.enqueueMany(fresh);
      for (const index of existing) {
        const doc = docs[index];
        await deliver({ id: doc.eventId, organizationId: doc.organizationId, type: doc.eventType, session: doc.session }, doc.webhookId);
      }
    }
    // A lost mark only means a repeat fan-out, which changes nothing.
    await models.Event.collection.updateMany({ _id: { $in: events.map((e) => e.id) as never[] } }, { $set: { dispatchedAt: new Date() } });
  }

  // Fan-out behind the recorder: newly recorded events wait here and go out in batches, in order.
  let waiting: DispatchableEvent[] = [];
  let draining: Promise<void> | undefined;
  let leftToSweep = 0;
  async function drain(): Promise<void> {
    while (waiting.length > 0) {
      const batch = waiting.slice(0, FAN_OUT_BATCH);
      waiting = waiting.slice(batch.length);
      // On failure (Redis or MongoDB away) the events stay undispatched for the sweep.
      await fanOutMany(batch).catch((err: unknown) => log.warn({ err, events: batch.length }, 'webhook fan-out failed; the sweep retries it'));
    }
  }
  function schedule(event: DispatchableEvent): void {
    if (waiting.length >= MAX_WAITING) {
      if (leftToSweep++ % 1_000 === 0) log.warn({ waiting: waiting.length, leftToSweep }, 'webhook fan-out backlog full; newer events are fanned out by the sweep');
      return;
    }
    waiting.push({ id: event.id, organizationId: event.organizationId, type: event.type, session: event.session });
    draining ??= drain().finally(() => (draining = undefined));
  }

  async function sweep(): Promise<void> {
    const now = Date.now();
    const events = await runListing<EventDoc>(models.Event, undispatchedListing(new Date(now - options.dispatchGraceMs)));
    await fanOutMany(events.map((event) => ({ id: event._id, organizationId: event.organizationId, type: event.type, session: event.session })));
    const overdue = await runListing<DeliveryDoc>(models.Delivery, overdueListing(new Date(now - options.overdueMs)));
    for (const delivery of overdue) await queue.enqueue(delivery);
    if (events.length || overdue.length) log.debug({ events: events.length, overdue: overdue.length }, 'webhook dispatcher sweep');
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = true;
  function scheduleSweep(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = sweep()
        .catch((err: unknown) => log.warn({ err }, 'webhook dispatcher sweep failed'))
        .finally(() => {
          running = undefined;
          scheduleSweep();
        });
    }, options.sweepIntervalMs);
  }

  return {
    schedule,
    fanOutMany,
    deliver,
    start() {
      if (!stopped) return;
      stopped = false;
      scheduleSweep();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      // The batch in flight finishes; events still waiting are stored and left to the next sweep.
      waiting = [];
      await draining;
    },
  };
}
