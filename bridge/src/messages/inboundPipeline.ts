import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../infra/logger.ts';
import { withDeadline } from '../infra/deadline.ts';
import { isOutage } from '../infra/outage.ts';
import type { MessageDoc } from '../models/message.ts';
import type { ContactStore, ContactUpdate } from '../contacts/contactStore.ts';
import type { MessageStore, StatusChange, WriteResult } from './messageStore.ts';
import type { MessageChange } from './messageChange.ts';
import { jobIdOf, reviveJob, type InboundJob } from './inboundJob.ts';
import type { InboundSpool } from './inboundSpool.ts';

export interface InboundPipelineOptions {
  /** A direct write slower than this goes to the retry queue instead (default 3 s). */
  writeTimeoutMs?: number;
  /** How long a status update for a message not (yet) stored keeps being retried: attempts × backoff. */
  statusAttempts?: number;
  /** Backoff of retried jobs, doubling from baseMs up to maxMs (default 500 ms … 30 s). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How long a placeholder waits for its content before it is announced as undecryptable (default 2 min). */
  decryptionTimeoutMs?: number;
}

/** An inbound write that gave up after all its attempts: kept in the queue's failed set, listed and replayable. */
export interface DeadLetter {
  id: string;
  kind: InboundJob['kind'];
  organizationId: string | null;
  session: string | null;
  messageId: string | null;
  attempts: number;
  reason: string;
  failedAt: string | null;
}

function describeDeadLetter(job: Job<InboundJob>): DeadLetter {
  const data = job.data;
  const doc = data.kind === 'message' || data.kind === 'history' ? data.doc : undefined;
  const change = data.kind === 'status' || data.kind === 'change' ? data.change : undefined;
  return {
    id: String(job.id),
    kind: data.kind,
    organizationId: doc?.organizationId ?? change?.organizationId ?? (data.kind === 'contacts' ? data.organizationId : null),
    session: doc?.session ?? change?.session ?? (data.kind === 'contacts' ? data.session : null),
    messageId: doc?.messageId ?? change?.messageId ?? null,
    attempts: job.attemptsMade,
    reason: job.failedReason ?? '',
    failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
  };
}

export interface InboundPipelineDeps {
  store: MessageStore;
  contacts: ContactStore;
  log: Logger;
  /** BullMQ connections (maxRetriesPerRequest: null). */
  queueConnection: Redis;
  workerConnection: Redis;
  keyPrefix: string;
  /** Called once per write that gave up (for the metrics). */
  gaveUp?: (kind: InboundJob['kind']) => void;
  /** Where writes go that neither MongoDB nor Redis takes (beyond the in-memory bound, and at close). */
  spool?: InboundSpool;
  spooled?: (count: number) => void;
}

const QUEUE_NAME = 'inbound-writes';
/** After a failed direct write, skip straight to the queue for this long (no pile-up of slow writes). */
const SUSPECT_MS = 1_000;
const STRANDED_LIMIT = 100_000;
/** How long close() waits for writes in flight before it spools what is left. */
const CLOSE_GRACE_MS = 1_000;
/** Messages written together at most (one insert for the messages, one for their events). */
const MAX_BATCH = 500;
/** How often the worker looks for messages stored without their event (a write killed in between). */
const ANNOUNCE_SWEEP_MS = 10_000;
/** A write younger than this may still be on its way to its event. */
const ANNOUNCE_GRACE_MS = 15_000;

class MessageNotStoredYet extends Error {}
class PipelineClosing extends Error {}

/**
 * The inbound write path: write to MongoDB directly; when that fails or is too slow, put the
 * write on a durable BullMQ queue that retries it until MongoDB is back. Every write is
 * idempotent, so a direct write that finishes late and its queued copy do not duplicate anything.
 * Only if Redis is down too are writes held in memory (retried every second) — the one window
 * where a crash loses them.
 */
export function inboundPipeline(deps: InboundPipelineDeps, options: InboundPipelineOptions = {}) {
  const writeTimeoutMs = options.writeTimeoutMs ?? 3_000;
  const statusAttempts = options.statusAttempts ?? 20;
  const retryBaseMs = options.retryBaseMs ?? 500;
  const retryMaxMs = options.retryMaxMs ?? 30_000;
  const decryptionTimeoutMs = options.decryptionTimeoutMs ?? 120_000;
  const { log } = deps;
  const queue = new Queue<InboundJob>(QUEUE_NAME, { connection: deps.queueConnection, prefix: deps.keyPrefix });
  queue.on('error', (err) => log.warn({ err }, 'inbound queue error'));
  let worker: Worker<InboundJob> | undefined;
  let suspectUntil = 0;
  let stranded: InboundJob[] = [];
  let strandedTimer: NodeJS.Timeout | undefined;
  let announceTimer: NodeJS.Timeout | undefined;
  const inFlight = new Set<Promise<unknown>>();
  // Aborted at close: a queued write still waiting on MongoDB goes back to the queue at once for
  // another instance (or the next start), instead of holding its lock until it stalls.
  const closing = new AbortController();
  const closed = new Promise<never>((_, reject) => {
    closing.signal.addEventListener('abort', () => reject(new PipelineClosing('the bridge is closing')), { once: true });
  });
  closed.catch(() => undefined);

  async function written(result: WriteResult): Promise<void> {
    if (result.placeholders.length === 0) return;
    const due = Date.now() + decryptionTimeoutMs;
    await enqueue(result.placeholders.map((doc) => ({ kind: 'deadline' as const, id: doc._id, due })));
  }

  async function run(job: InboundJob): Promise<void> {
    switch (job.kind) {
      case 'message':
        await written(await deps.store.writeMessages([job.doc]));
        return;
      case 'history':
        await deps.store.writeHistory([job.doc]);
        return;
      case 'change': {
        const outcome = await deps.store.applyChange(job.change);
        if (outcome === 'missing') throw new MessageNotStoredYet(`message ${job.change.messageId} is not stored yet`);
        return;
      }
      case 'deadline':
        await deps.store.expirePlaceholder(job.id);
        return;
      case 'status': {
        const outcome = await deps.store.applyStatus(job.change);
        // The receipt may overtake its message (still queued, or not delivered yet).
        if (outcome === 'missing') throw new MessageNotStoredYet(`message ${job.change.messageId} is not stored yet`);
        return;
      }
      case 'contacts':
        await deps.contacts.upsertContacts(job.organizationId, job.session, job.contacts);
        return;
    }
  }

  function jobOptions(job: InboundJob) {
    // A deadline keeps its time even when it went through the in-memory buffer first.
    const delay = job.kind === 'deadline' ? Math.max(0, job.due - Date.now()) : 0;
    return {
      jobId: jobIdOf(job),
      ...(delay ? { delay } : {}),
      attempts: job.kind === 'status' || job.kind === 'change' ? statusAttempts : 50,
      backoff: { type: 'capped' },
      removeOnComplete: true,
      removeOnFail: { count: 10_000 },
    };
  }

  async function enqueue(jobs: InboundJob[]): Promise<void> {
    try {
      await withDeadline(queue.addBulk(jobs.map((data) => ({ name: data.kind, data, opts: jobOptions(data) }))), 5_000, 'Redis (retry queue)');
      const retries = jobs.filter((job) => job.kind !== 'deadline').length;
      if (retries) log.warn({ count: retries }, 'writes queued for retry');
    } catch (err) {
      log.error({ err, count: jobs.length }, 'MongoDB and the retry queue are both unavailable; holding writes in memory');
      stranded.push(...jobs);
      if (stranded.length > STRANDED_LIMIT) {
        // Never dropped: beyond the bound they go to the local spool file (on disk when this returns).
        const spilled = stranded.splice(0, stranded.length - STRANDED_LIMIT);
        spill(spilled, 'in-memory write buffer full');
      }
      strandedTimer ??= setInterval(() => void drainStranded(), 1_000);
      strandedTimer.unref();
    }
  }

  /** Writes jobs to the spool file; without one (tests), they stay in memory and say so. */
  function spill(jobs: InboundJob[], why: string): void {
    if (!deps.spool) {
      stranded.unshift(...jobs);
      log.error({ count: jobs.length }, `${why}; no spool configured, kept in memory`);
      return;
    }
    try {
      deps.spool.append(jobs);
      deps.spooled?.(jobs.length);
      log.error({ count: jobs.length, dir: deps.spool.dir }, `${why}; writes spooled to disk`);
    } catch (err) {
      stranded.unshift(...jobs);
      log.error({ err, count: jobs.length }, `${why}; the spool file could not be written either, kept in memory`);
    }
  }

  /** Puts spooled writes (this host's, from earlier runs or an overflow) on the queue; retried while Redis is away. */
  let spoolTimer: NodeJS.Timeout | undefined;
  async function drainSpool(): Promise<void> {
    if (!deps.spool) return;
    try {
      await deps.spool.drain((jobs) => withDeadline(queue.addBulk(jobs.map((data) => ({ name: data.kind, data, opts: jobOptions(data) }))), 5_000, 'Redis (spool drain)').then(() => undefined));
      spoolTimer = undefined;
    } catch (err) {
      log.warn({ err }, 'could not queue the spooled writes yet; trying again');
      spoolTimer = setTimeout(() => void drainSpool(), 5_000);
      spoolTimer.unref();
    }
  }

  async function drainStranded(): Promise<void> {
    if (stranded.length === 0) return;
    const batch = stranded;
    stranded = [];
    // Queue them (which needs only Redis); the worker writes them when MongoDB answers.
    await enqueue(batch);
    if (stranded.length === 0 && strandedTimer) {
      clearInterval(strandedTimer);
      strandedTimer = undefined;
    }
  }

  /** Writes on their way to MongoDB or Redis: at close, whatever is still on its way is spooled too. */
  const unsettled = new Map<symbol, () => InboundJob[]>();

  /** Direct write, else the queue. Never throws. */
  async function submit(direct: () => Promise<void>, jobs: () => InboundJob[]): Promise<void> {
    const token = Symbol('write');
    unsettled.set(token, jobs);
    try {
      await submitNow(direct, jobs);
    } finally {
      unsettled.delete(token);
    }
  }

  async function submitNow(direct: () => Promise<void>, jobs: () => InboundJob[]): Promise<void> {
    if (Date.now() >= suspectUntil) {
      try {
        await withDeadline(direct(), writeTimeoutMs, 'MongoDB (inbound write)');
        return;
      } catch (err) {
        if (isOutage(err)) suspectUntil = Date.now() + SUSPECT_MS;
        log.warn({ err }, 'direct write failed; queueing it for retry');
      }
    }
    await enqueue(jobs());
  }

  function track(work: Promise<void>): Promise<void> {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
    return work;
  }

  // Group commit: messages that arrive while a write is in flight wait for the next one and go
  // together, so a burst costs a few batched writes instead of one round trip per message, and a
  // lone message is written at once (no timer). One writer keeps the arrival order.
  let waiting: Array<{ docs: MessageDoc[]; written: () => void }> = [];
  let writing: Promise<void> | undefined;
  async function writeWaiting(): Promise<void> {
    while (waiting.length > 0) {
      let count = 0;
      let take = 0;
      while (take < waiting.length && (take === 0 || count + waiting[take].docs.length <= MAX_BATCH)) count += waiting[take++].docs.length;
      const taken = waiting.slice(0, take);
      waiting = waiting.slice(take);
      const docs = taken.flatMap((w) => w.docs);
      await submit(async () => written(await deps.store.writeMessages(docs)), () => docs.map((doc) => ({ kind: 'message' as const, doc })));
      for (const w of taken) w.written();
    }
  }

  /** Messages a killed process stored but did not announce: their events are recorded now. */
  let sweeping = false;
  async function sweepUnannounced(): Promise<void> {
    if (sweeping) return;
    sweeping = true;
    try {
      const announced = await deps.store.announceStored(ANNOUNCE_GRACE_MS);
      if (announced) log.warn({ count: announced }, 'messages were stored without their event (a write stopped in between); announced now');
    } catch (err) {
      log.debug({ err }, 'could not look for unannounced messages; trying again later');
    } finally {
      sweeping = false;
    }
  }

  function backoff(attemptsMade: number): number {
    const delay = Math.min(retryBaseMs * 2 ** Math.max(0, attemptsMade - 1), retryMaxMs);
    return Math.round(delay / 2 + Math.random() * (delay / 2));
  }

  return {
    /** Stores normalised messages (with their events), or queues them; resolves once either is done. Never throws. */
    messages(docs: MessageDoc[]): Promise<void> {
      if (docs.length === 0) return Promise.resolve();
      const written = new Promise<void>((resolve) => waiting.push({ docs, written: resolve }));
      writing ??= writeWaiting().finally(() => (writing = undefined));
      return track(written);
    },

    status(changes: StatusChange[]): Promise<void> {
      if (changes.length === 0) return Promise.resolve();
      return track(
        submit(
          async () => {
            const missing: StatusChange[] = [];
            for (const change of changes) {
              if ((await deps.store.applyStatus(change)) === 'missing') missing.push(change);
            }
            if (missing.length) await enqueue(missing.map((change) => ({ kind: 'status' as const, change })));
          },
          () => changes.map((change) => ({ kind: 'status' as const, change })),
        ),
      );
    },

    /** Messages from history sync: stored (or queued), never announced. */
    history(docs: MessageDoc[]): Promise<void> {
      if (docs.length === 0) return Promise.resolve();
      return track(submit(() => deps.store.writeHistory(docs), () => docs.map((doc) => ({ kind: 'history' as const, doc }))));
    },

    /** Edits, revokes, reactions and votes: applied to their message (retried while it is not stored yet). */
    changes(changes: MessageChange[]): Promise<void> {
      if (changes.length === 0) return Promise.resolve();
      return track(
        submit(
          async () => {
            const missing: MessageChange[] = [];
            for (const change of changes) {
              if ((await deps.store.applyChange(change)) === 'missing') missing.push(change);
            }
            if (missing.length) await enqueue(missing.map((change) => ({ kind: 'change' as const, change })));
          },
          () => changes.map((change) => ({ kind: 'change' as const, change })),
        ),
      );
    },

    contacts(organizationId: string, session: string, contacts: ContactUpdate[]): Promise<void> {
      if (contacts.length === 0) return Promise.resolve();
      return track(
        submit(
          () => deps.contacts.upsertContacts(organizationId, session, contacts),
          () => [{ kind: 'contacts' as const, organizationId, session, contacts }],
        ),
      );
    },

    /** Starts the worker that drains the retry queue. */
    start(): void {
      if (worker) return;
      void drainSpool();
      announceTimer = setInterval(() => void sweepUnannounced(), ANNOUNCE_SWEEP_MS);
      announceTimer.unref();
      let outageDelay = 200;
      const processor = async (job: Job<InboundJob>): Promise<void> => {
        try {
          await Promise.race([withDeadline(run(reviveJob(job.data)), Math.max(writeTimeoutMs * 3, 15_000), 'MongoDB (queued write)'), closed]);
          outageDelay = 200;
        } catch (err) {
          // Back to the waiting list without using up an attempt (writes are idempotent).
          if (err instanceof PipelineClosing) throw Worker.RateLimitError();
          if (isOutage(err) && worker) {
            // MongoDB is still away: pause the whole worker instead of burning this job's attempts.
            await worker.rateLimit(outageDelay);
            outageDelay = Math.min(outageDelay * 2, 5_000);
            throw Worker.RateLimitError();
          }
          const level = err instanceof MessageNotStoredYet ? 'debug' : 'warn';
          log[level]({ err, jobId: job.id, kind: job.data.kind, attempt: job.attemptsMade + 1 }, 'queued write failed; will retry');
          throw err;
        }
      };
      worker = new Worker<InboundJob>(QUEUE_NAME, processor, {
        connection: deps.workerConnection,
        prefix: deps.keyPrefix,
        // Writes are small and MongoDB is the bottleneck; more parallel writers only add contention.
        concurrency: 4,
        settings: { backoffStrategy: (attemptsMade: number) => backoff(attemptsMade) },
      });
      worker.on('error', (err) => log.warn({ err }, 'inbound worker error'));
      worker.on('failed', (job, err) => {
        if (!job || job.attemptsMade < (job.opts.attempts ?? 1)) return;
        // A receipt for a message this bridge never saw (sent before pairing, say) is expected to expire.
        deps.gaveUp?.(job.data.kind);
        if (job.data.kind === 'change') log.warn({ jobId: job.id, change: job.data.change.kind, messageId: job.data.change.messageId }, 'a change to a message never stored gave up (kept in the failed jobs)');
        else if (err instanceof MessageNotStoredYet || job.data.kind === 'status') log.info({ jobId: job.id }, 'status update for an unknown message dropped');
        else log.error({ err, jobId: job.id, kind: job.data.kind }, 'queued write gave up');
      });
    },

    /** Writes that gave up (newest first): what `GET /v1/admin/dead-letters` lists. */
    async deadLetters(limit = 100): Promise<{ total: number; data: DeadLetter[] }> {
      const [total, jobs] = await Promise.all([queue.getFailedCount(), queue.getFailed(0, Math.max(0, limit - 1))]);
      return { total, data: jobs.filter(Boolean).map(describeDeadLetter) };
    },

    /** Puts dead letters back on the queue (all of them, or those named); returns how many. */
    async replayDeadLetters(ids?: string[]): Promise<number> {
      const jobs = ids ? await Promise.all(ids.map((id) => queue.getJob(id))) : await queue.getFailed(0, -1);
      let replayed = 0;
      for (const job of jobs) {
        if (!job || !(await job.isFailed())) continue;
        await job.retry('failed', { resetAttemptsMade: true });
        replayed++;
      }
      if (replayed) log.info({ replayed }, 'dead letters put back on the inbound queue');
      return replayed;
    },

    /** Jobs waiting or delayed in the retry queue (for tests and metrics). */
    async backlog(): Promise<number> {
      const counts = await queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized', 'waiting-children');
      return Object.values(counts).reduce((a, b) => a + b, 0);
    },

    async close(): Promise<void> {
      await Promise.race([Promise.allSettled([...inFlight]), new Promise((resolve) => setTimeout(resolve, CLOSE_GRACE_MS).unref())]);
      // Still on their way (MongoDB and Redis slow or away): to disk as well. Should they still
      // land, the spooled copy only repeats an idempotent write at the next start.
      const leftovers = [...[...unsettled.values()].flatMap((jobs) => jobs()), ...waiting.flatMap((w) => w.docs.map((doc) => ({ kind: 'message' as const, doc })))];
      if (leftovers.length && deps.spool) spill(leftovers, 'closing before MongoDB or Redis took these writes');
      if (strandedTimer) clearInterval(strandedTimer);
      if (announceTimer) clearInterval(announceTimer);
      if (spoolTimer) clearTimeout(spoolTimer);
      if (stranded.length) spill(stranded.splice(0), 'closing with writes MongoDB and Redis did not take');
      if (stranded.length) log.error({ count: stranded.length }, 'closing with writes held in memory (MongoDB and Redis were down, and no spool)');
      closing.abort();
      await worker?.close().catch(() => undefined);
      await queue.close().catch(() => undefined);
    },
  };
}

export type InboundPipeline = ReturnType<typeof inboundPipeline>;
