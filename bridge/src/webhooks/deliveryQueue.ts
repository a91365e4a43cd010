import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { withDeadline } from '../infra/deadline.ts';

export const DELIVERY_QUEUE_NAME = 'webhook-deliveries';

/** The job payload: ids only; the delivery document in MongoDB is the source of truth. */
export interface DeliveryJobData {
  deliveryId: string;
  webhookId: string;
  eventId: string;
  round: number;
}

export interface DeliveryRef {
  _id: string;
  eventId: string;
  webhookId: string;
  round: number;
}

/**
 * Derived from the event, the webhook and the replay round: adding the same delivery twice (the
 * recorder's listener and the dispatcher sweep, two instances) yields one job, while a replay
 * (next round) is a new one. BullMQ forbids ':' in custom ids.
 */
export function deliveryJobId(ref: DeliveryRef): string {
  return `${ref.eventId}-${ref.webhookId}-r${ref.round}`;
}

/** Job-level retries cover infrastructure errors only (MongoDB down mid-job); HTTP retries are delayed jobs. */
const JOB_OPTIONS = {
  attempts: 12,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: true,
  removeOnFail: true,
} as const;

export interface DeliveryQueue {
  queue: Queue<DeliveryJobData>;
  enqueue(ref: DeliveryRef, delayMs?: number): Promise<void>;
  /** Several due deliveries in one round trip. */
  enqueueMany(refs: DeliveryRef[]): Promise<void>;
  /** Runs a delayed job now; false when it is not (or no longer) delayed. */
  promote(jobId: string): Promise<boolean>;
  counts(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

export function deliveryQueue(connection: Redis, prefix: string): DeliveryQueue {
  const queue = new Queue<DeliveryJobData>(DELIVERY_QUEUE_NAME, { connection, prefix });
  queue.on('error', () => undefined); // outages surface through the callers and readiness
  return {
    queue,
    async enqueue(ref, delayMs = 0) {
      await withDeadline(
        queue.add('deliver', { deliveryId: ref._id, webhookId: ref.webhookId, eventId: ref.eventId, round: ref.round }, { ...JOB_OPTIONS, jobId: deliveryJobId(ref), delay: Math.max(0, delayMs) }),
        5_000,
        'Redis (enqueue delivery)',
      );
    },
    async enqueueMany(refs) {
      if (refs.length === 0) return;
      await withDeadline(
        queue.addBulk(refs.map((ref) => ({ name: 'deliver', data: { deliveryId: ref._id, webhookId: ref.webhookId, eventId: ref.eventId, round: ref.round }, opts: { ...JOB_OPTIONS, jobId: deliveryJobId(ref) } }))),
        5_000,
        'Redis (enqueue deliveries)',
      );
    },
    async promote(jobId) {
      const job = await queue.getJob(jobId);
      if (!job) return false;
      try {
        await job.promote();
        return true;
      } catch {
        return false; // not delayed any more (running, done, or promoted by someone else)
      }
    },
    async counts() {
      return await withDeadline(queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized'), 1_000, 'Redis (queue depth)');
    },
    async close() {
      await queue.close();
    },
  };
}
