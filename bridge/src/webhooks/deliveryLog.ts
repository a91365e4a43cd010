import type { Models } from '../models/index.ts';
import type { DeliveryDoc, DeliveryStatus } from '../models/delivery.ts';
import { conflict, notFound } from '../errors.ts';
import { after, listing, runListing, type Listing } from '../infra/listing.ts';
import { DELIVERY_RETENTION_MS, expiryAfter } from '../events/retention.ts';
import type { DeliveryQueue } from './deliveryQueue.ts';
import type { WebhookRegistry } from './webhookRegistry.ts';
import { iso, isoOrNull } from '../infra/isoTime.ts';

export interface DeliveryView {
  id: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  session: string | null;
  status: DeliveryStatus;
  attemptCount: number;
  attempts: Array<{ at: string; statusCode: number | null; durationMs: number; error: string | null; response: string | null }>;
  nextAttemptAt: string | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
}

export function toDeliveryView(doc: DeliveryDoc): DeliveryView {
  return {
    id: doc._id,
    webhookId: doc.webhookId,
    eventId: doc.eventId,
    eventType: doc.eventType,
    session: doc.session ?? null,
    status: doc.status,
    attemptCount: doc.attemptCount,
    attempts: (doc.attempts ?? []).map((a) => ({ at: iso(a.at), statusCode: a.statusCode ?? null, durationMs: a.durationMs, error: a.error ?? null, response: a.response ?? null })),
    nextAttemptAt: doc.status === 'pending' ? isoOrNull(doc.nextAttemptAt) : null,
    lastError: doc.lastError ?? null,
    createdAt: iso(doc.createdAt),
    updatedAt: iso(doc.updatedAt),
    completedAt: isoOrNull(doc.completedAt),
  };
}

export interface DeliveryPage {
  data: DeliveryView[];
  pagination: { limit: number; nextCursor: string | null; hasMore: boolean };
}

const RECOVER_BATCH = 200;
const NEWEST_FIRST = { _id: -1 } as const;

/** A batch of failed deliveries created since `since`, newest first, below `before` (delivery ids sort by creation time). */
export function failedSinceListing(webhookId: string, since: Date, before: string): Listing {
  const filter = { webhookId, status: 'failed', createdAt: { $gte: since }, ...(before ? { _id: { $lt: before } } : {}) };
  return listing({ filter, sort: NEWEST_FIRST, index: { webhookId: 1, status: 1, ...NEWEST_FIRST }, limit: RECOVER_BATCH });
}

/** A webhook's attempt log, newest first, optionally by status (models/delivery.ts has both indexes). */
export function deliveryListing(webhookId: string, query: { status?: DeliveryStatus; limit: number; cursor?: string }): Listing {
  const filter: Record<string, unknown> = { webhookId };
  if (query.status) filter.status = query.status;
  if (query.cursor) Object.assign(filter, after(NEWEST_FIRST, { _id: query.cursor }));
  const index = query.status ? { webhookId: 1, status: 1, ...NEWEST_FIRST } as const : { webhookId: 1, ...NEWEST_FIRST } as const;
  return listing({ filter, sort: NEWEST_FIRST, index, limit: query.limit + 1 });
}

/**
 * The attempt log of a webhook and its replays. Delivery ids sort by creation time, so "newest
 * first" is a descending _id and the cursor is the last id of a page (keyset paging, stable while
 * new deliveries arrive). A replay starts a new round of the retry schedule under a new job id.
 */
export function deliveryLog(models: Models, queue: DeliveryQueue, registry: WebhookRegistry) {
  async function replay(delivery: Pick<DeliveryDoc, '_id'>): Promise<DeliveryDoc | null> {
    const now = new Date();
    const doc = await models.Delivery.findOneAndUpdate(
      { _id: delivery._id, status: { $ne: 'pending' } },
      { $set: { status: 'pending', roundAttempts: 0, nextAttemptAt: now, completedAt: null, updatedAt: now, expiresAt: null }, $inc: { round: 1 } },
      { returnDocument: 'after' },
    ).lean<DeliveryDoc>();
    if (!doc) return null;
    // The new round needs the event until it finishes (which extends the event again).
    await models.Event.updateOne({ _id: doc.eventId }, { $max: { expiresAt: expiryAfter(now, DELIVERY_RETENTION_MS) } });
    await queue.enqueue(doc);
    return doc;
  }

  async function enabledWebhook(organizationId: string, webhookId: string): Promise<void> {
    const webhook = await registry.find(organizationId, webhookId);
    if (!webhook.enabled) throw conflict('webhook_disabled', 'The webhook is disabled; re-enable it with PATCH {"enabled": true} before replaying.');
  }

  return {
    async list(organizationId: string, webhookId: string, query: { status?: DeliveryStatus; limit: number; cursor?: string }): Promise<DeliveryPage> {
      await registry.find(organizationId, webhookId);
      const docs = await runListing<DeliveryDoc>(models.Delivery, deliveryListing(webhookId, query));
      const hasMore = docs.length > query.limit;
      const page = docs.slice(0, query.limit);
      return { data: page.map(toDeliveryView), pagination: { limit: query.limit, nextCursor: hasMore ? page[page.length - 1]._id : null, hasMore } };
    },

    async get(organizationId: string, webhookId: string, deliveryId: string): Promise<DeliveryView> {
      await registry.find(organizationId, webhookId);
      const doc = await models.Delivery.findOne({ _id: deliveryId, webhookId }).lean<DeliveryDoc>();
      if (!doc) throw notFound('delivery_not_found', `No delivery ${deliveryId} for webhook ${webhookId}`);
      return toDeliveryView(doc);
    },

    /** Sends one finished (failed or succeeded) delivery again. */
    async retry(organizationId: string, webhookId: string, deliveryId: string): Promise<DeliveryView> {
      await enabledWebhook(organizationId, webhookId);
      const existing = await models.Delivery.findOne({ _id: deliveryId, webhookId }, { _id: 1, status: 1 }).lean<Pick<DeliveryDoc, '_id' | 'status'>>();
      if (!existing) throw notFound('delivery_not_found', `No delivery ${deliveryId} for webhook ${webhookId}`);
      const replayed = await replay(existing);
      if (!replayed) throw conflict('delivery_pending', 'The delivery is still pending; it is retried on schedule.');
      return toDeliveryView(replayed);
    },

    /** Replays every failed delivery of the webhook created at or after `since`. */
    async recover(organizationId: string, webhookId: string, since: Date): Promise<{ replayed: number }> {
      await enabledWebhook(organizationId, webhookId);
      let replayed = 0;
      let before = '';
      for (;;) {
        const batch = await runListing<DeliveryDoc, Pick<DeliveryDoc, '_id'>>(models.Delivery, failedSinceListing(webhookId, since, before), { _id: 1 });
        for (const delivery of batch) if (await replay(delivery)) replayed += 1;
        if (batch.length < RECOVER_BATCH) break;
        before = batch[batch.length - 1]._id;
      }
      return { replayed };
    },
  };
}

export type DeliveryLog = ReturnType<typeof deliveryLog>;
