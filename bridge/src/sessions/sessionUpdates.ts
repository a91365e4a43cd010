import type { Redis } from 'ioredis';
import type { Logger } from '../infra/logger.ts';
import type { SessionStatus } from '../models/session.ts';

/** A change live listeners (SSE, the pairing page) care about, on whichever instance they are. */
export type SessionUpdate =
  | { type: 'status'; sessionId: string; status: SessionStatus; phoneNumber: string | null; pushName: string | null; reason: string | null; at: string }
  | { type: 'qr'; sessionId: string; qr: string; expiresAt: string };

export interface SessionUpdates {
  publish(update: SessionUpdate): Promise<void>;
  /** Returns the unsubscribe function; the last one out frees the session's entry. */
  subscribe(sessionId: string, listener: (update: SessionUpdate) => void): () => void;
  close(): Promise<void>;
}

/**
 * Status and QR changes fanned out over one Redis pub/sub channel, so a listener on any
 * instance hears about a session owned by another.
 */
export function redisSessionUpdates(publisher: Redis, subscriber: Redis, keyPrefix: string, log: Logger): SessionUpdates {
  const channel = `${keyPrefix}:session-updates`;
  const listeners = new Map<string, Set<(update: SessionUpdate) => void>>();
  const onMessage = (from: string, message: string) => {
    if (from !== channel) return;
    let update: SessionUpdate;
    try {
      update = JSON.parse(message) as SessionUpdate;
    } catch {
      return;
    }
    for (const listener of listeners.get(update.sessionId) ?? []) {
      try {
        listener(update);
      } catch (err) {
        log.warn({ err }, 'session update listener failed');
      }
    }
  };
  subscriber.on('message', onMessage);
  void subscriber.subscribe(channel).catch((err: unknown) => log.warn({ err }, 'could not subscribe to session updates'));

  return {
    async publish(update) {
      await publisher.publish(channel, JSON.stringify(update));
    },
    subscribe(sessionId, listener) {
      let set = listeners.get(sessionId);
      if (!set) listeners.set(sessionId, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
        if (!set.size) listeners.delete(sessionId);
      };
    },
    async close() {
      // Not waiting for the subscription: with Redis unreachable it never completes, and
      // disconnecting settles it anyway.
      listeners.clear();
      subscriber.off('message', onMessage);
      subscriber.disconnect();
    },
  };
}
