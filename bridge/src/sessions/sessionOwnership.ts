import type { Logger } from '../infra/logger.ts';
import type { Models } from '../models/index.ts';
import type { SessionDoc } from '../models/session.ts';
import { withDeadline } from '../infra/deadline.ts';
import type { Lease, SessionLeases } from './sessionLease.ts';

const DB_MS = 10_000;

export interface OwnershipOptions {
  models: Models;
  leases: SessionLeases;
  log: Logger;
  instanceId: string;
  leaseMs: number;
  maxSessions: number;
  /** How many sessions are started at once by a claim pass. */
  startConcurrency?: number;
  /** False in a process without the sessions role: it never owns a socket (others' claim passes start what it asks for). */
  owns?: boolean;
  random?: () => number;
}

export interface OwnershipEvents {
  /** A lease was taken and the session document fenced: start the session here; false gives the lease back. */
  acquired(doc: SessionDoc, lease: Lease): Promise<boolean>;
  /** The lease of a held session was lost (expired, taken, or Redis unreachable too long): let it go at once. */
  lost(sessionId: string): void;
}

/**
 * Which sessions this instance owns: a Redis lease per session (sessionLease.ts), fenced in the
 * session document so a stale owner's writes match nothing. A loop renews the held leases (and
 * reports the lost ones) and claims running sessions nobody owns, up to capacity.
 */
export class SessionOwnership {
  private readonly held = new Map<string, { lease: Lease; renewedAt: number }>();
  private readonly releasing = new Set<Promise<void>>();
  private readonly options: OwnershipOptions;
  private readonly renewEveryMs: number;
  private events: OwnershipEvents | undefined;
  private loopTimer: NodeJS.Timeout | undefined;
  private claiming: Promise<void> | undefined;
  private closing = false;

  constructor(options: OwnershipOptions) {
    this.options = options;
    this.renewEveryMs = Math.max(200, Math.floor(options.leaseMs / 3));
  }

  get size(): number {
    return this.held.size;
  }

  has(sessionId: string): boolean {
    return this.held.has(sessionId);
  }

  /** The instance holding a session's lease, if any. */
  owner(sessionId: string) {
    return this.options.leases.owner(sessionId);
  }

  holds(lease: Lease): Promise<boolean> {
    return this.options.leases.holds(lease);
  }

  /** Takes the lease of a session meant to run and fences its document; null when another instance got there first. */
  async acquire(doc: Pick<SessionDoc, '_id' | 'fencingToken'>): Promise<{ doc: SessionDoc; lease: Lease } | null> {
    const { leases, models, instanceId, maxSessions, log } = this.options;
    if (this.options.owns === false || this.closing || this.held.has(doc._id) || this.held.size >= maxSessions) return null;
    const lease = await leases.acquire(doc._id, doc.fencingToken ?? 0);
    if (!lease) return null;
    const fenced = await withDeadline(
      models.Session.findOneAndUpdate(
        { _id: doc._id, desiredState: 'running', fencingToken: { $lt: lease.token } },
        { $set: { fencingToken: lease.token, owner: instanceId } },
        { returnDocument: 'after' },
      ).lean<SessionDoc>(),
      DB_MS,
      'session fence',
    ).catch((err: unknown) => {
      log.warn({ err }, 'could not fence session');
      return null;
    });
    if (!fenced || this.closing) {
      await leases.release(lease);
      return null;
    }
    this.held.set(doc._id, { lease, renewedAt: Date.now() });
    return { doc: fenced, lease };
  }

  /** Gives a held lease back (the session ended here); close() waits for it. */
  release(sessionId: string): void {
    const entry = this.held.get(sessionId);
    if (!entry) return;
    this.held.delete(sessionId);
    const released = this.options.leases.release(entry.lease).catch((err: unknown) => this.options.log.warn({ err }, 'could not release lease'));
    this.releasing.add(released);
    void released.finally(() => this.releasing.delete(released));
  }

  /** Removes every trace of a deleted session's lease in Redis. */
  forgetLease(sessionId: string): Promise<void> {
    this.held.delete(sessionId);
    return this.options.leases.forget(sessionId);
  }

  /** Forgets a lease without giving it back (it was lost). */
  forget(sessionId: string): void {
    this.held.delete(sessionId);
  }

  /** Claims now, then renews and claims every SESSION_LEASE_MS / 3. */
  async start(events: OwnershipEvents): Promise<void> {
    this.events = events;
    await this.claim();
    this.scheduleLoop();
  }

  /** One claim pass (shared by concurrent callers). */
  claim(): Promise<void> {
    this.claiming ??= this.claimOnce().finally(() => (this.claiming = undefined));
    return this.claiming;
  }

  /** Stops claiming: from now on nothing is acquired. */
  async stop(): Promise<void> {
    this.closing = true;
    clearTimeout(this.loopTimer);
    this.loopTimer = undefined;
    await this.claiming?.catch(() => undefined);
  }

  /** Stops the loop and gives every lease back (the sessions have ended here by then). */
  async close(): Promise<void> {
    await this.stop();
    for (const sessionId of [...this.held.keys()]) this.release(sessionId);
    await Promise.all([...this.releasing]);
  }

  private async claimOnce(): Promise<void> {
    const { models, leases, maxSessions, log } = this.options;
    if (this.closing || !this.events || this.held.size >= maxSessions) return;
    const running = await withDeadline(
      models.Session.find({ desiredState: 'running' }, { _id: 1, name: 1, fencingToken: 1 }).lean<Array<Pick<SessionDoc, '_id' | 'name' | 'fencingToken'>>>(),
      DB_MS,
      'running sessions lookup',
    );
    const candidates = running.filter((doc) => !this.held.has(doc._id));
    const owners = await leases.owners(candidates.map((doc) => doc._id));
    const unowned = candidates.filter((_, i) => owners[i] === null);
    // Random order spreads sessions across instances that claim at the same moment.
    const random = this.options.random ?? Math.random;
    for (let i = unowned.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [unowned[i], unowned[j]] = [unowned[j], unowned[i]];
    }
    const events = this.events;
    await eachBounded(unowned.slice(0, maxSessions - this.held.size), this.options.startConcurrency ?? 16, async (candidate) => {
      try {
        const taken = await this.acquire(candidate);
        if (taken && !(await events.acquired(taken.doc, taken.lease))) this.release(candidate._id);
      } catch (err) {
        log.warn({ err, session: candidate.name }, 'claim failed');
      }
    });
  }

  private async renewAll(): Promise<void> {
    const { leases, leaseMs, log } = this.options;
    const entries = [...this.held.entries()];
    // Renewal is a few milliseconds of Redis work; waiting longer only eats into the lease.
    const renewDeadlineMs = Math.floor(this.renewEveryMs / 2);
    // The lease runs from when Redis extends it, which is no earlier than this.
    const sentAt = Date.now();
    let held: boolean[];
    try {
      held = await withDeadline(leases.renewAll(entries.map(([, h]) => h.lease)), renewDeadlineMs, 'session lease renewal');
    } catch (err) {
      // Redis unreachable: keep a session only while its lease surely outlives the next attempt;
      // once the lease may expire, another instance may take the session.
      const now = Date.now();
      for (const [sessionId, h] of entries) {
        if (this.held.get(sessionId) === h && h.renewedAt + leaseMs - now <= this.renewEveryMs + renewDeadlineMs) {
          log.warn({ sessionId }, 'could not renew the session lease in time; letting the session go');
          this.lose(sessionId);
        }
      }
      throw err;
    }
    entries.forEach(([sessionId, h], i) => {
      if (this.held.get(sessionId) !== h) return;
      if (held[i]) {
        h.renewedAt = sentAt;
      } else {
        log.warn({ sessionId }, 'session lease lost; another instance may own it now');
        this.lose(sessionId);
      }
    });
  }

  private lose(sessionId: string): void {
    this.held.delete(sessionId);
    this.events?.lost(sessionId);
  }

  private scheduleLoop(): void {
    if (this.closing) return;
    this.loopTimer = setTimeout(() => {
      void (async () => {
        try {
          await this.renewAll();
          await this.claim();
        } catch (err) {
          this.options.log.warn({ err }, 'session ownership loop failed');
        }
        this.scheduleLoop();
      })();
    }, this.renewEveryMs);
  }
}

/** Runs `fn` over `items`, at most `limit` at a time; one slow item only holds one slot. */
async function eachBounded<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
