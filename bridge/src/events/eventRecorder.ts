import { createHash } from 'node:crypto';
import type { mongo } from 'mongoose';
import type { Logger } from '../infra/logger.ts';
import { newId } from '../infra/ids.ts';
import { duplicatePositions, isDuplicateKey } from '../infra/duplicateKey.ts';
import type { Models } from '../models/index.ts';
import type { EventDoc } from '../models/event.ts';
import type { EventRecorder, NewEvent, RecordedEvent } from './eventTypes.ts';
import { EVENT_RETENTION_MS, expiryAfter } from './retention.ts';

function toRecorded(doc: EventDoc): RecordedEvent {
  return {
    id: doc._id,
    organizationId: doc.organizationId,
    type: doc.type as RecordedEvent['type'],
    session: doc.session,
    data: doc.data,
    timestamp: doc.timestamp,
  };
}

/**
 * The id of an event with a dedupe key is derived from (organization, key): recording the same
 * thing twice is a duplicate _id, which the primary key refuses, so no unique index is needed.
 * Events without a key get a new time-ordered id.
 */
export function eventIdFor(organizationId: string, dedupeKey: string): string {
  return `evt_${createHash('sha256').update(`${organizationId}\u0001${dedupeKey}`).digest('hex').slice(0, 22)}`;
}

/**
 * The outbox: stores events in MongoDB (once per (organization, dedupeKey)) and tells listeners
 * about the new ones. Recording only writes: listeners (the webhook dispatcher) are called
 * without being waited for, and whatever they do not finish, the dispatcher's sweep does from
 * the stored events.
 */
export function mongoEventRecorder(models: Models, log: Logger): EventRecorder {
  const listeners: Array<(event: RecordedEvent) => Promise<void> | void> = [];
  const collection = models.Event.collection as unknown as mongo.Collection<EventDoc>;

  function notify(event: RecordedEvent): void {
    for (const listener of listeners) {
      try {
        void Promise.resolve(listener(event)).catch((err: unknown) => log.warn({ err, eventId: event.id, type: event.type }, 'event listener failed'));
      } catch (err) {
        log.warn({ err, eventId: event.id, type: event.type }, 'event listener failed');
      }
    }
  }

  function toDoc(input: NewEvent): EventDoc {
    const timestamp = input.timestamp ?? new Date();
    const id = input.dedupeKey ? eventIdFor(input.organizationId, input.dedupeKey) : newId('evt', timestamp.getTime());
    return {
      _id: id,
      organizationId: input.organizationId,
      type: input.type,
      session: input.session,
      data: input.data,
      timestamp,
      dedupeKey: input.dedupeKey ?? id,
      dispatchedAt: null,
      expiresAt: expiryAfter(timestamp, EVENT_RETENTION_MS),
    };
  }

  return {
    onRecorded(listener) {
      listeners.push(listener);
    },

    async record(input: NewEvent) {
      const doc = toDoc(input);
      try {
        await collection.insertOne(doc);
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        const existing = await models.Event.findById(doc._id).lean<EventDoc>();
        if (!existing) throw error;
        return { event: toRecorded(existing), created: false };
      }
      const event = toRecorded(doc);
      notify(event);
      return { event, created: true };
    },

    async recordMany(inputs: NewEvent[]) {
      if (inputs.length === 0) return 0;
      const docs = inputs.map(toDoc);
      let existing = new Set<number>();
      try {
        await collection.insertMany(docs, { ordered: false });
      } catch (error) {
        // Already recorded (a retried write): those are not new, the rest are.
        const duplicates = duplicatePositions(error);
        if (!duplicates) throw error;
        existing = duplicates;
      }
      // A batch may name one event twice (a redelivery in the same burst): the first counts.
      const seen = new Set<string>();
      docs.forEach((doc, index) => {
        if (existing.has(index) || seen.has(doc._id)) return;
        seen.add(doc._id);
        notify(toRecorded(doc));
      });
      return seen.size;
    },
  };
}
