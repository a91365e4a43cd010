import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../infra/logger.ts';
import { SecretBoxError, type SecretBox } from '../infra/secretBox.ts';
import { withDeadline } from '../infra/deadline.ts';
import type { Models } from '../models/index.ts';
import type { DeliveryAttempt, DeliveryDoc } from '../models/delivery.ts';
import type { WebhookDoc } from '../models/webhook.ts';
import type { EventDoc } from '../models/event.ts';
import { DELIVERY_QUEUE_NAME, type DeliveryJobData, type DeliveryQueue } from './deliveryQueue.ts';
import type { EndpointSlots } from './endpointSlots.ts';
import type { EndpointHealth } from './endpointHealth.ts';
import { nextDelayMs } from './retrySchedule.ts';
import { AttemptAbortedError, type AttemptResult, type WebhookSender } from './webhookDelivery.ts';
import { signatureHeader } from './webhookSecret.ts';
import { observeAttempt, type WebhookMetrics } from './webhookMetrics.ts';
import { DELIVERY_RETENTION_MS, expiryAfter } from '../events/retention.ts';
import { RecentCache } from './recentCache.ts';
import { groupCommit } from '../infra/groupCommit.ts';

/** Attempts kept per delivery (replays append; the oldest are dropped). */
export const MAX_ATTEMPTS_KEPT = 50;
/** lastSuccessAt is refreshed at most this often on a healthy endpoint (saves a write per delivery). */
const SUCCESS_REFRESH_MS = 60_000;

/**
 * A parked job's safety net: it is normally woken by a release, but if that wake-up is lost (a
 * crash, or a release racing the park) it runs anyway after this delay, later the deeper it is
 * in the endpoint's backlog so a long backlog does not churn.
 */
function parkedDelayMs(position: number): number {
  return Math.min(1_000 + 20 * position, 60_000);
}

export interface DeliveryWorkerOptions {
  connection: Redis;
  prefix: string;
  concurrency: number;
  schedule: number[];
  /** How long close() waits for attempts in flight before aborting them. */
  closeGraceMs: number;
}

/** Documents the pipeline has in hand already: the event just recorded, the delivery just created, endpoints just read. */
export interface RecentDocs {
  events: RecentCache<EventDoc>;
  deliveries: RecentCache<DeliveryDoc>;
  webhooks: RecentCache<WebhookDoc>;
}

export interface DeliveryWorkerDeps {
  models: Models;
  secrets: SecretBox;
  sender: WebhookSender;
  slots: EndpointSlots;
  queue: DeliveryQueue;
  health: EndpointHealth;
  metrics: WebhookMetrics;
  log: Logger;
  recent?: RecentDocs;
}

export interface DeliveryWorker {
  worker: Worker<DeliveryJobData>;
  close(): Promise<void>;
}

/** The body every endpoint receives; `id` (also `webhook-id`) is the event's, stable across retries. */
export function webhookBody(event: Pick<EventDoc, '_id' | 'type' | 'timestamp' | 'session' | 'data'>): string {
  return JSON.stringify({ id: event._id, type: event.type, timestamp: new Date(event.timestamp).toISOString(), session: event.session, data: event.data });
}

/**
 * Processes delivery jobs: one signed POST per job run, recorded in MongoDB, then either done,
 * or moved back to the delayed set for the next attempt (a delayed job, not a sleep), or failed.
 *
 * Isolation: the worker runs many jobs at once (`concurrency`) and each endpoint may hold only a
 * few of them (EndpointSlots). A job whose endpoint is at its cap is parked (back to the delayed
 * set, woken when one of that endpoint's attempts ends) instead of waiting in a worker slot, so a
 * hanging endpoint ties up at most its own cap of slots and never the queue behind it. (BullMQ's
 * per-group concurrency is a Pro feature; this keeps to the open-source queue.)
 */
export function deliveryWorker(deps: DeliveryWorkerDeps, options: DeliveryWorkerOptions): DeliveryWorker {
  const { models, log } = deps;
  const shutdown = new AbortController();

  /** Hands a freed slot to the oldest parked job of the endpoint (skipping ids that ran meanwhile). */
  async function wakeNext(webhookId: string): Promise<void> {
    for (let i = 0; i < 5; i++) {
      const parked = await deps.slots.unpark(webhookId);
      if (!parked || (await deps.queue.promote(parked))) return;
    }
  }

  // Opened signing secrets by sealed value: a rotation seals a new value, so an entry never goes stale.
  const opened = new RecentCache<string>(1_000, 10 * 60_000);
  function openSecret(webhookId: string, sealed: string): string {
    const cached = opened.get(sealed);
    if (cached !== undefined) return cached;
    const secret = deps.secrets.open(sealed, webhookId).toString('utf8');
    opened.set(sealed, secret);
    return secret;
  }

  function signingSecrets(webhook: WebhookDoc): string[] {
    const secrets = [openSecret(webhook._id, webhook.secret)];
    if (webhook.previousSecret && new Date(webhook.previousSecret.expiresAt).getTime() > Date.now()) {
      secrets.push(openSecret(webhook._id, webhook.previousSecret.sealed));
    }
    return secrets;
  }

  // Finished deliveries are written together (group commit): the attempts of many endpoints end
  // at once in a burst, and one bulk write per collection serves them all. The driver's own
  // writes: these documents are written here only, and mongoose's casting costs more than the write.
  const complete = groupCommit<{ delivery: DeliveryDoc; $set: Record<string, unknown>; expiresAt: Date }>(async (items) => {
    await Promise.all([
      models.Delivery.collection.bulkWrite(
        items.map(({ delivery, $set }) => ({ updateOne: { filter: { _id: delivery._id as never, round: delivery.round }, update: { $set } } })),
        { ordered: false },
      ),
      // The event stays as long as its deliveries (a replay needs it).
      models.Event.collection.bulkWrite(
        items.map(({ delivery, expiresAt }) => ({ updateOne: { filter: { _id: delivery.eventId as never }, update: { $max: { expiresAt } } } })),
        { ordered: false },
      ),
    ]);
  });

  async function finish(delivery: DeliveryDoc, status: 'succeeded' | 'failed', set: Record<string, unknown>): Promise<void> {
    const now = new Date();
    const expiresAt = expiryAfter(now, DELIVERY_RETENTION_MS);
    await complete({ delivery, expiresAt, $set: { status, nextAttemptAt: null, completedAt: now, updatedAt: now, expiresAt, ...set } });
    deps.metrics.deliveries.inc({ outcome: status });
  }

  async function failWithoutAttempt(delivery: DeliveryDoc, reason: string): Promise<never> {
    await finish(delivery, 'failed', { lastError: reason });
    throw new UnrecoverableError(reason);
  }

  async function process(job: Job<DeliveryJobData>, token?: string): Promise<string> {
    const jobId = job.id ?? job.data.deliveryId;
    const { webhookId } = job.data;
    // The slot comes first: a job for a busy endpoint costs a few Redis calls, no database reads.
    if (!(await deps.slots.acquire(webhookId, jobId))) {
      const position = await deps.slots.park(webhookId, jobId);
      await job.moveToDelayed(Date.now() + parkedDelayMs(position), token);
      throw new DelayedError();
    }
    let delivery: DeliveryDoc | null;
    let webhook: WebhookDoc | null;
    let sent: { at: Date; result: AttemptResult };
    try {
      // The job carries every id, so the three reads go out together; what this process has in
      // hand (the delivery it just created, for its first attempt; the event it just recorded; the
      // endpoint it read a moment ago) is not read again.
      const { recent } = deps;
      const created = recent?.deliveries.take(job.data.deliveryId);
      let event: EventDoc | null;
      [delivery, webhook, event] = await Promise.all([
        created && created.round === job.data.round ? created : models.Delivery.findById(job.data.deliveryId).lean<DeliveryDoc>(),
        recent?.webhooks.get(webhookId) ?? models.Webhook.findById(webhookId).lean<WebhookDoc>(),
        recent?.events.get(job.data.eventId) ?? models.Event.findById(job.data.eventId).lean<EventDoc>(),
      ]);
      if (webhook?.enabled) recent?.webhooks.set(webhookId, webhook);
      // Gone (webhook deleted), finished, or replayed since this job was queued: nothing to do.
      if (!delivery || !webhook || delivery.status !== 'pending' || delivery.round !== job.data.round) return 'skipped';
      if (!webhook.enabled) return await failWithoutAttempt(delivery, 'endpoint disabled');
      if (!event) return await failWithoutAttempt(delivery, 'event no longer exists');
      let secrets: string[];
      try {
        secrets = signingSecrets(webhook);
      } catch (error) {
        if (!(error instanceof SecretBoxError)) throw error;
        return await failWithoutAttempt(delivery, 'the signing secret cannot be decrypted (was BRIDGE_ENCRYPTION_KEY changed?); rotate the secret');
      }
      const body = webhookBody(event);
      const at = new Date();
      const headers = {
        'webhook-id': event._id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1_000)),
        'webhook-signature': signatureHeader(secrets, event._id, at, body),
      };
      sent = { at, result: await deps.sender.send({ url: webhook.url, body, headers }, shutdown.signal) };
    } finally {
      await deps.slots.release(webhookId, jobId).catch(() => undefined);
      await wakeNext(webhookId).catch(() => undefined);
    }
    const { at, result } = sent;
    observeAttempt(deps.metrics, result.outcome, result.durationMs);

    const attempt: DeliveryAttempt = { at, statusCode: result.statusCode, durationMs: result.durationMs, error: result.error, response: result.response };
    const attempts = [...delivery.attempts, attempt].slice(-MAX_ATTEMPTS_KEPT);
    const roundAttempts = delivery.roundAttempts + 1;
    const recorded = { attempts, roundAttempts, attemptCount: delivery.attemptCount + 1, lastError: result.error };

    if (result.outcome === 'success') {
      await finish(delivery, 'succeeded', recorded);
      const fresh = webhook.lastSuccessAt && Date.now() - new Date(webhook.lastSuccessAt).getTime() < SUCCESS_REFRESH_MS;
      if (webhook.failingSince || !fresh) {
        await deps.health.succeeded(webhook._id);
        deps.recent?.webhooks.delete(webhook._id);
      }
      return 'succeeded';
    }
    deps.recent?.webhooks.delete(webhook._id);
    if (result.outcome === 'gone') {
      await finish(delivery, 'failed', recorded);
      if (await deps.health.disable(webhook._id, 'gone')) log.warn({ webhookId: webhook._id }, 'webhook endpoint answered 410 Gone: disabled');
      throw new UnrecoverableError('endpoint answered 410 Gone');
    }
    const disabled = await deps.health.failed(webhook._id);
    if (disabled) log.warn({ webhookId: webhook._id }, 'webhook endpoint failing for too long: disabled');
    // A refused address will not become acceptable by waiting; neither will a disabled endpoint.
    const delay = result.outcome === 'refused' || disabled ? null : nextDelayMs(options.schedule, roundAttempts, result.retryAfterMs);
    if (delay === null) {
      await finish(delivery, 'failed', recorded);
      throw new UnrecoverableError(result.error ?? 'delivery failed');
    }
    const nextAttemptAt = new Date(Date.now() + delay);
    await models.Delivery.updateOne({ _id: delivery._id, round: delivery.round }, { $set: { ...recorded, nextAttemptAt, updatedAt: new Date() } });
    await job.moveToDelayed(nextAttemptAt.getTime(), token);
    throw new DelayedError();
  }

  const worker = new Worker<DeliveryJobData>(DELIVERY_QUEUE_NAME, process, {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    autorun: false,
  });
  worker.on('error', (err) => log.warn({ err }, 'webhook delivery worker error'));
  worker.on('failed', (job, err) => {
    if (!(err instanceof UnrecoverableError) && !(err instanceof AttemptAbortedError)) {
      log.warn({ err, deliveryId: job?.data.deliveryId, attemptsMade: job?.attemptsMade }, 'webhook delivery job failed; BullMQ retries it');
    }
  });

  return {
    worker,
    async close() {
      try {
        await withDeadline(worker.close(), options.closeGraceMs, 'webhook delivery worker');
      } catch {
        // Attempts still in flight are abandoned unrecorded; their jobs' locks lapse and any
        // instance (or this one after a restart) runs them again.
        shutdown.abort();
        await withDeadline(worker.close(true), 2_000, 'webhook delivery worker (forced)').catch(() => undefined);
      }
    },
  };
}
