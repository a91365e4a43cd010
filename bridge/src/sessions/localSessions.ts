import type { SessionDoc } from '../models/session.ts';
import type { Lease } from './sessionLease.ts';
import type { SessionOwnership } from './sessionOwnership.ts';
import { LiveSession, type LiveSessionDeps } from './liveSession.ts';

/**
 * The sessions whose socket lives on this instance: one LiveSession per owned session, started
 * when ownership acquires it and ended when it is lost, stopped or closed. The only in-memory
 * state of the sessions feature; close() empties it.
 */
export class LocalSessions {
  private readonly live = new Map<string, LiveSession>();
  private readonly deps: Omit<LiveSessionDeps, 'holds' | 'ended'>;
  private readonly ownership: SessionOwnership;

  constructor(deps: Omit<LiveSessionDeps, 'holds' | 'ended'>, ownership: SessionOwnership) {
    this.deps = deps;
    this.ownership = ownership;
  }

  /** Starts a session whose lease was just acquired; false when it could not start (the lease is given back). */
  async adopt(doc: SessionDoc, lease: Lease): Promise<boolean> {
    const session = new LiveSession(
      {
        ...this.deps,
        holds: (l) => this.ownership.holds(l),
        ended: (s, release) => {
          if (this.live.get(s.ctx.sessionId) === s) this.live.delete(s.ctx.sessionId);
          if (release) this.ownership.release(s.ctx.sessionId);
          else this.ownership.forget(s.ctx.sessionId);
        },
      },
      doc,
      lease,
    );
    this.live.set(doc._id, session);
    return await session.start();
  }

  /** The running (not yet ended) session, if this instance owns it. */
  get(sessionId: string): LiveSession | undefined {
    const session = this.live.get(sessionId);
    return session && !session.closed ? session : undefined;
  }

  ids(): string[] {
    return [...this.live.keys()];
  }

  get size(): number {
    return this.live.size;
  }

  /** The lease is gone: end the session here at once, without giving anything back. */
  lost(sessionId: string): void {
    this.live.get(sessionId)?.end(false);
  }

  /**
   * Ends every socket (without logging out); the leases go back with ownership.close(). Resolves
   * once the ended sockets' last events are handed to the writers.
   */
  async closeAll(): Promise<void> {
    const sessions = [...this.live.values()];
    for (const session of sessions) session.end(true);
    this.live.clear();
    await Promise.all(sessions.map((session) => session.drained));
  }
}
