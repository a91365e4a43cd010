import type { mongo } from 'mongoose';
import type { Models } from '../models/index.ts';
import type { MessageDoc, MessageStatus } from '../models/message.ts';
import type { EventRecorder } from '../events/eventTypes.ts';
import { messageView } from './messageView.ts';
import { storedMessageId, type MessageKey } from './messageKey.ts';
import { statusRank } from './messageStatus.ts';
import { duplicatePositions, isDuplicateKey } from '../infra/duplicateKey.ts';

export interface StatusChange extends MessageKey {
  status: MessageStatus;
}

export type StatusOutcome = 'applied' | 'unchanged' | 'missing';

/**
 * Writes messages and their events. Each write is idempotent, so the socket sink, the retry
 * worker and a redelivery may all run it for the same message: one document, one event.
 */
export function messageStore(models: Models, events: EventRecorder) {
  const collection = models.Message.collection as unknown as mongo.Collection<MessageDoc>;

  /**
   * Insert-if-absent on the _id (derived from the unique key): the same effect as an upsert with
   * $setOnInsert, but one unordered insert for the batch, refused by the primary key where a
   * message is stored already (no query first). Returns the positions of the documents it created.
   */
  async function insertAbsent(docs: MessageDoc[]): Promise<Set<number>> {
    const created = new Set(docs.map((_, index) => index));
    try {
      await collection.insertMany(docs, { ordered: false });
    } catch (error) {
      // Anything but "already stored" (duplicate key) is a real failure: the caller retries it all.
      const existing = duplicatePositions(error);
      if (!existing) throw error;
      for (const index of existing) created.delete(index);
    }
    return created;
  }

  /** Moves a stored message's status forward (never back) and records `message.updated`. */
  async function applyStatus(change: StatusChange): Promise<StatusOutcome> {
    const _id = storedMessageId(change);
    const rank = statusRank(change.status);
    // `error` ranks lowest but is a real outcome of a pending send; it never overrides progress.
    const filter = change.status === 'error' ? { _id, statusRank: { $lte: statusRank('pending') } } : { _id, statusRank: { $lt: rank } };
    const updated = await collection.findOneAndUpdate(filter, { $set: { status: change.status, statusRank: rank } }, { returnDocument: 'after' });
    if (!updated) {
      const exists = await collection.countDocuments({ _id }, { limit: 1 });
      return exists ? 'unchanged' : 'missing';
    }
    await events.record({
      organizationId: change.organizationId,
      type: 'message.updated',
      session: change.session,
      data: { ...messageView(updated as MessageDoc) },
      dedupeKey: `message.updated:${_id}:${change.status}`,
    });
    return 'applied';
  }

  return {
    /**
     * Stores the messages (first write wins) and records `message.received` for inbound ones,
     * `message.sent` for outbound ones this write created (sent from the phone; the send route
     * records its own). Throws when MongoDB cannot be reached; calling again is safe.
     */
    async writeMessages(docs: MessageDoc[]): Promise<void> {
      if (docs.length === 0) return;
      const inserted = await insertAbsent(docs);
      // Recorded even when the message already existed: a write that stored the message but
      // failed before its event is completed by the retry, and the event's id (derived from its
      // dedupe key) keeps it to one. Outbound messages already stored were sent through the API,
      // which records its own event. One write for the batch, in order, so a chat's events keep
      // the order WhatsApp delivered its messages in.
      const toRecord = docs.filter((doc, index) => !doc.fromMe || inserted.has(index));
      await events.recordMany(
        toRecord.map((doc) => {
          const type = doc.fromMe ? 'message.sent' : 'message.received';
          return { organizationId: doc.organizationId, type, session: doc.session, data: { ...messageView(doc) }, dedupeKey: `${type}:${doc._id}` };
        }),
      );
      // The socket's echo of a message sent through the API carries its status so far (accepted
      // by WhatsApp; or further, when Baileys folded a receipt into the echo it had buffered).
      for (const [index, doc] of docs.entries()) {
        if (doc.fromMe && !inserted.has(index) && doc.statusRank > statusRank('pending')) await applyStatus(doc);
      }
    },

    applyStatus,

    async insertOutbound(doc: MessageDoc): Promise<void> {
      try {
        await collection.insertOne(doc);
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
    },
  };
}

export type MessageStore = ReturnType<typeof messageStore>;
