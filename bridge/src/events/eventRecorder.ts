import type { Logger } from '../infra/logger.ts';
import { newId } from '../infra/ids.ts';
import type { Models } from '../models/index.ts';
import type { EventDoc } from '../models/event.ts';
import type { EventRecorder, NewEvent, RecordedEvent } from './eventTypes.ts';

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

function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: number })?.code === 11000;
}

/** Stores events in MongoDB (insert-once on (organization, dedupeKey)) and notifies listeners. */
export function mongoEventRecorder(models: Models, log: Logger): EventRecorder {
  const listeners: Array<(event: RecordedEvent) => Promise<void> | void> = [];

  async function notify(event: RecordedEvent): Promise<void> {
    for (const listener of listeners) {
      try {
        await listener(event);
      } catch (err) {
        // The event is stored; a dispatcher sweep picks up anything a listener could not finish.
        log.warn({ err, eventId: event.id, type: event.type }, 'event listener failed');
      }
    }
  }

  return {
    onRecorded(listener) {
      listeners.push(listener);
    },
    async record(input: NewEvent) {
      const timestamp = input.timestamp ?? new Date();
      const id = newId('evt', timestamp.getTime());
      const doc: EventDoc = {
        _id: id,
        organizationId: input.organizationId,
        type: input.type,
        session: input.session,
        data: input.data,
        timestamp,
        dedupeKey: input.dedupeKey ?? id,
        dispatchedAt: null,
      };
      try {
        await models.Event.collection.insertOne(doc as unknown as Parameters<typeof models.Event.collection.insertOne>[0]);
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        const existing = await models.Event.findOne({ organizationId: input.organizationId, dedupeKey: doc.dedupeKey }).lean<EventDoc>();
        if (!existing) throw error;
        return { event: toRecorded(existing), created: false };
      }
      const event = toRecorded(doc);
      await notify(event);
      return { event, created: true };
    },
  };
}
