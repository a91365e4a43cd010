import type { Logger } from '../infra/logger.ts';
import type { Models } from '../models/index.ts';
import type { SessionDoc, SessionStatus } from '../models/session.ts';
import type { EventRecorder } from '../events/eventTypes.ts';
import { withDeadline } from '../infra/deadline.ts';
import { notFound } from '../errors.ts';
import type { SessionUpdates } from './sessionUpdates.ts';

const DB_MS = 10_000;

type Announced = Pick<SessionDoc, '_id' | 'organizationId' | 'name' | 'phoneNumber' | 'pushName'>;

/**
 * A session's status as stored and announced: every change is written to the session document,
 * published to live listeners (SSE, pairing page) and recorded as a `session.status` event.
 */
export interface SessionStatusStore {
  /**
   * The owning instance's write, fenced on its lease token: null when the session has a newer
   * owner or is gone (the caller lets it go).
   */
  writeOwned(sessionId: string, token: number, status: SessionStatus, previous: SessionStatus, extra?: Partial<SessionDoc>, reason?: string | null): Promise<SessionDoc | null>;
  /** A write while no instance owns the session (stop, logout or start of an idle session). */
  writeUnowned(doc: SessionDoc, status: SessionStatus, set: Partial<SessionDoc>, reason: string): Promise<SessionDoc>;
}

export function sessionStatusStore(deps: { models: Models; updates: SessionUpdates; events: EventRecorder; log: Logger }): SessionStatusStore {
  const { models, updates, events, log } = deps;
  const { Session } = models;

  async function announce(doc: Announced, status: SessionStatus, previous: SessionStatus | null, reason: string | null): Promise<void> {
    const at = new Date();
    // Deadlines here too: a session's events are handled in order, so one hung call would hold
    // every later change of that session.
    await withDeadline(
      updates.publish({ type: 'status', sessionId: doc._id, status, phoneNumber: doc.phoneNumber, pushName: doc.pushName, reason, at: at.toISOString() }),
      DB_MS,
      'session update publish',
    ).catch((err: unknown) => log.warn({ err }, 'could not publish session update'));
    await withDeadline(
      events.record({
        organizationId: doc.organizationId,
        type: 'session.status',
        session: doc.name,
        data: { name: doc.name, status, previousStatus: previous, phoneNumber: doc.phoneNumber, pushName: doc.pushName, reason },
        timestamp: at,
      }),
      DB_MS,
      'session.status event',
    ).catch((err: unknown) => log.warn({ err, session: doc.name, status }, 'could not record session.status event'));
  }

  return {
    async writeOwned(sessionId, token, status, previous, extra = {}, reason = null) {
      const doc = await withDeadline(
        Session.findOneAndUpdate({ _id: sessionId, fencingToken: token }, { $set: { status, ...extra } }, { returnDocument: 'after' }).lean<SessionDoc>(),
        DB_MS,
        'session status write',
      );
      if (doc && previous !== status) await announce(doc, status, previous, reason ?? doc.lastDisconnectReason);
      return doc;
    },

    async writeUnowned(doc, status, set, reason) {
      const updated = await Session.findOneAndUpdate({ _id: doc._id }, { $set: { status, ...set } }, { returnDocument: 'after' }).lean<SessionDoc>();
      if (!updated) throw notFound('session_not_found', `No session named "${doc.name}".`);
      if (doc.status !== status) await announce(updated, status, doc.status, reason);
      return updated;
    },
  };
}
