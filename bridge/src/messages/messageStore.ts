import { createHash } from 'node:crypto';
import { decryptPollVote } from '@whiskeysockets/baileys';
import type { mongo } from 'mongoose';
import type { Models } from '../models/index.ts';
import type { MessageDoc, MessageStatus, ReactionOnMessage } from '../models/message.ts';
import type { EventRecorder, NewEvent } from '../events/eventTypes.ts';
import type { Logger } from '../infra/logger.ts';
import { messageView } from './messageView.ts';
import { chatScopedMessageId, storedMessageId, type MessageKey } from './messageKey.ts';
import type { MessageChange } from './messageChange.ts';
import { statusRank } from './messageStatus.ts';
import { duplicatePositions, isDuplicateKey } from '../infra/duplicateKey.ts';

export interface StatusChange extends MessageKey {
  status: MessageStatus;
}

/** `missing`: the message it is about is not stored (yet): the caller retries for a while. */
export type ChangeOutcome = 'applied' | 'unchanged' | 'missing';
export type StatusOutcome = ChangeOutcome;

export interface WriteResult {
  /** Placeholders stored by this write: each waits for its content until a deadline. */
  placeholders: MessageDoc[];
}

/** The fields a placeholder's content replaces when WhatsApp's retry brings it. */
const CONTENT_FIELDS = ['type', 'rawType', 'text', 'media', 'location', 'contacts', 'reaction', 'quotedMessageId', 'poll', 'pushName', 'timestamp'] as const;

function sameConversation(a: Pick<MessageDoc, 'chat' | 'chatLid'>, b: Pick<MessageDoc, 'chat' | 'chatLid'>): boolean {
  const ids = new Set([a.chat, a.chatLid].filter(Boolean));
  return ids.has(b.chat) || (!!b.chatLid && ids.has(b.chatLid));
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64');

/**
 * Writes messages, the changes WhatsApp sends about them, and their events. Each write is
 * idempotent, so the socket sink, the retry worker and a redelivery may all run it for the same
 * message: one document, one event.
 */
export function messageStore(models: Models, events: EventRecorder, log?: Logger) {
  const collection = models.Message.collection as unknown as mongo.Collection<MessageDoc>;

  /**
   * Insert-if-absent on the _id (derived from the unique key): one unordered insert for the batch,
   * refused by the primary key where a message is stored already (no query first). Returns the
   * positions of the documents it created.
   */
  async function insertAbsent(docs: MessageDoc[]): Promise<Set<number>> {
    const created = new Set(docs.map((_, index) => index));
    if (docs.length === 0) return created;
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

  const eventOf = (doc: MessageDoc, type: NewEvent['type'], dedupeKey: string, extra: Record<string, unknown> = {}): NewEvent => ({
    organizationId: doc.organizationId,
    type,
    session: doc.session,
    data: { ...messageView(doc), ...extra },
    dedupeKey,
  });

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
    await events.record(eventOf(updated as MessageDoc, 'message.updated', `message.updated:${_id}:${change.status}`));
    return 'applied';
  }

  async function applyEdit(change: Extract<MessageChange, { kind: 'edit' }>, _id: string): Promise<ChangeOutcome> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const doc = await collection.findOne({ _id });
      if (!doc) return 'missing';
      if (doc.text === change.text) {
        // Applied already (a redelivery): the event is recorded again, and deduplicated.
        await events.record(eventOf(doc, 'message.edited', `message.edited:${_id}:${change.changeId}`, { previousText: doc.edits?.at(-1)?.text ?? null }));
        return 'unchanged';
      }
      const result = await collection.updateOne(
        { _id, text: doc.text },
        { $set: { text: change.text, editedAt: change.editedAt }, $push: { edits: { text: doc.text, editedAt: change.editedAt } } },
      );
      if (result.modifiedCount === 0) continue; // edited meanwhile: read again
      const updated = { ...doc, text: change.text, editedAt: change.editedAt, edits: [...(doc.edits ?? []), { text: doc.text, editedAt: change.editedAt }] };
      await events.record(eventOf(updated, 'message.edited', `message.edited:${_id}:${change.changeId}`, { previousText: doc.text }));
      return 'applied';
    }
    return 'unchanged';
  }

  async function applyRevoke(change: Extract<MessageChange, { kind: 'revoke' }>, _id: string): Promise<ChangeOutcome> {
    const updated = await collection.findOneAndUpdate({ _id, deletedAt: null }, { $set: { deletedAt: change.deletedAt } }, { returnDocument: 'after' });
    const doc = (updated as MessageDoc | null) ?? (await collection.findOne({ _id }));
    if (!doc) return 'missing';
    await events.record(eventOf(doc, 'message.deleted', `message.deleted:${_id}`, { deletedBy: change.by }));
    return updated ? 'applied' : 'unchanged';
  }

  async function applyReaction(change: Extract<MessageChange, { kind: 'reaction' }>, _id: string): Promise<ChangeOutcome> {
    const doc = await collection.findOne({ _id });
    if (!doc) return 'missing';
    // One reaction per person: the latest replaces theirs; an empty emoji takes it away.
    const others = (doc.reactions ?? []).filter((r) => r.from !== change.from);
    const mine = (doc.reactions ?? []).find((r) => r.from === change.from);
    const stale = mine && new Date(mine.timestamp).getTime() > change.timestamp.getTime();
    if (!stale) {
      const reactions: ReactionOnMessage[] = change.emoji ? [...others, { from: change.from, emoji: change.emoji, timestamp: change.timestamp }] : others;
      await collection.updateOne({ _id }, { $set: { reactions } });
      doc.reactions = reactions;
    }
    await events.record(
      eventOf(doc, 'message.reaction', `message.reaction:${_id}:${change.changeId}`, {
        reaction: { from: change.from, emoji: change.emoji, removed: change.emoji === '', timestamp: change.timestamp.toISOString() },
      }),
    );
    return stale ? 'unchanged' : 'applied';
  }

  /** Decrypts a vote with the poll's secret (Baileys' decryptPollVote), trying each address pair. */
  function decryptVote(poll: MessageDoc, change: Extract<MessageChange, { kind: 'vote' }>): string[] | null {
    if (!poll.poll?.secret) return null;
    const creators = [poll.from, poll.fromLid].filter((j): j is string => !!j);
    const voters = [change.voter];
    for (const pollCreatorJid of creators) {
      for (const voterJid of voters) {
        try {
          const vote = decryptPollVote(
            { encPayload: Buffer.from(change.encPayload, 'base64'), encIv: Buffer.from(change.encIv, 'base64') },
            { pollCreatorJid, pollMsgId: poll.messageId, pollEncKey: Buffer.from(poll.poll.secret, 'base64'), voterJid },
          );
          const byHash = new Map(poll.poll.options.map((name) => [sha256(name), name]));
          return (vote.selectedOptions ?? []).map((hash) => byHash.get(Buffer.from(hash).toString('base64')) ?? '(unknown option)');
        } catch {
          // Not this address pair: try the next.
        }
      }
    }
    return null;
  }

  async function applyVote(change: Extract<MessageChange, { kind: 'vote' }>, _id: string): Promise<ChangeOutcome> {
    const doc = await collection.findOne({ _id });
    if (!doc) return 'missing';
    const options = decryptVote(doc, change);
    if (options === null) log?.warn({ id: _id, voter: change.voter }, 'a poll vote could not be decrypted; announced without its options');
    if (options !== null && doc.poll) {
      const votes = [...doc.poll.votes.filter((v) => v.voter !== change.voter), { voter: change.voter, options, timestamp: change.timestamp }];
      await collection.updateOne({ _id }, { $set: { 'poll.votes': votes } });
      doc.poll = { ...doc.poll, votes };
    }
    await events.record(
      eventOf(doc, 'poll.vote', `poll.vote:${_id}:${change.changeId}`, {
        vote: { voter: change.voter, options, decrypted: options !== null, timestamp: change.timestamp.toISOString() },
      }),
    );
    return 'applied';
  }

  async function applyChange(change: MessageChange): Promise<ChangeOutcome> {
    const _id = storedMessageId(change);
    switch (change.kind) {
      case 'edit':
        return applyEdit(change, _id);
      case 'revoke':
        return applyRevoke(change, _id);
      case 'reaction':
        return applyReaction(change, _id);
      case 'vote':
        return applyVote(change, _id);
    }
  }

  /** Puts a retry's content into the placeholder stored for it; true when this write did. */
  async function fillPlaceholder(doc: MessageDoc): Promise<boolean> {
    const $set: Record<string, unknown> = { decryption: null, unannounced: true };
    for (const field of CONTENT_FIELDS) $set[field] = doc[field] ?? null;
    const result = await collection.updateOne({ _id: doc._id, decryption: { $ne: null } }, { $set });
    return result.modifiedCount > 0;
  }

  /**
   * Records `message.received` (inbound) or `message.sent` (outbound from the phone) for stored
   * messages. Recording twice is harmless (the event id comes from its dedupe key). Their
   * unannounced marks are left to announceStored, which clears them in bulk: one write per sweep
   * instead of one per batch.
   */
  async function announce(docs: MessageDoc[]): Promise<number> {
    if (docs.length === 0) return 0;
    return events.recordMany(
      docs.map((doc) => {
        const type = doc.fromMe ? 'message.sent' : 'message.received';
        return eventOf({ ...doc, decryption: null }, type, `${type}:${doc._id}`);
      }),
    );
  }

  return {
    /**
     * Stores the messages (first write wins; a placeholder gives way to its content) and records
     * `message.received` for inbound ones, `message.sent` for outbound ones this write created
     * (sent from the phone; the send route records its own). Placeholders are stored silently.
     * Throws when MongoDB cannot be reached; calling again is safe.
     */
    async writeMessages(input: MessageDoc[]): Promise<WriteResult> {
      if (input.length === 0) return { placeholders: [] };
      // Marked until their event is recorded (announce clears it); placeholders are announced later.
      const docs = input.map((doc): MessageDoc => (doc.decryption ? doc : { ...doc, unannounced: true }));
      const inserted = await insertAbsent(docs);
      const toAnnounce = new Set<number>();
      const duplicates = docs.map((doc, index) => ({ doc, index })).filter(({ index }) => !inserted.has(index));
      if (duplicates.length > 0) {
        const stored = await collection
          .find({ _id: { $in: duplicates.map(({ doc }) => doc._id) } }, { projection: { chat: 1, chatLid: 1, decryption: 1 } })
          .toArray();
        const byId = new Map(stored.map((s) => [s._id, s]));
        const collisions: Array<{ doc: MessageDoc; index: number }> = [];
        for (const { doc, index } of duplicates) {
          const existing = byId.get(doc._id);
          if (existing && !sameConversation(existing, doc)) {
            collisions.push({ doc, index });
            continue;
          }
          if (doc.decryption) continue; // a placeholder again: nothing new
          if (existing?.decryption && (await fillPlaceholder(doc))) toAnnounce.add(index);
          // Recorded even when the message already existed: a write that stored the message but
          // failed before its event is completed by the retry, and the event's id (derived from
          // its dedupe key) keeps it to one. Outbound messages already stored were sent through
          // the API, which records its own event.
          else if (!doc.fromMe && !existing?.decryption) toAnnounce.add(index);
        }
        if (collisions.length > 0) {
          // Another chat used this WhatsApp id already: two messages, never merged into one.
          log?.warn({ count: collisions.length, ids: collisions.map((c) => c.doc.messageId) }, 'message id already used in another chat; stored under a chat-scoped id');
          const moved = collisions.map(({ doc }) => ({ ...doc, _id: chatScopedMessageId(doc) }));
          const created = await insertAbsent(moved);
          collisions.forEach(({ index }, i) => {
            docs[index] = moved[i];
            if (!moved[i].decryption && (created.has(i) || !moved[i].fromMe)) toAnnounce.add(index);
          });
        }
      }
      for (const index of inserted) if (!docs[index].decryption) toAnnounce.add(index);
      // One write for the batch, in order, so a chat's events keep the order WhatsApp delivered its messages in.
      await announce(docs.filter((_, index) => toAnnounce.has(index)));
      // The socket's echo of a message sent through the API carries its status so far (accepted
      // by WhatsApp; or further, when Baileys folded a receipt into the echo it had buffered).
      for (const [index, doc] of docs.entries()) {
        if (doc.fromMe && !inserted.has(index) && doc.statusRank > statusRank('pending')) await applyStatus(doc);
      }
      return { placeholders: docs.filter((doc, index) => inserted.has(index) && doc.decryption === 'pending') };
    },

    /**
     * Run periodically by the inbound worker: messages still marked unannounced `olderThanMs`
     * after they were stored get their events recorded (for most the write recorded them already,
     * and this changes nothing; for a write that stopped in between, a killed process, it is the
     * event), then lose the mark. Returns how many events it recorded that were missing.
     */
    async announceStored(olderThanMs = 15_000, limit = 2_000): Promise<number> {
      const due = (await collection
        .find({ unannounced: true, createdAt: { $lt: new Date(Date.now() - olderThanMs) } }, { maxTimeMS: 10_000 })
        .sort({ createdAt: 1 })
        .limit(limit)
        .toArray()) as MessageDoc[];
      if (due.length === 0) return 0;
      const recorded = await announce(due);
      await collection.updateMany({ _id: { $in: due.map((doc) => doc._id) }, unannounced: true }, { $unset: { unannounced: '' } });
      return recorded;
    },

    applyStatus,
    applyChange,

    /** History sync: what the phone had before this device was linked. Stored once, never announced. */
    async writeHistory(docs: MessageDoc[]): Promise<void> {
      await insertAbsent(docs.filter((doc) => !doc.decryption));
    },

    /**
     * A placeholder whose content did not come in time: marked failed and announced as
     * `message.undecryptable` (once). Its content may still come, and is then announced as received.
     */
    async expirePlaceholder(_id: string): Promise<boolean> {
      const updated = await collection.findOneAndUpdate({ _id, decryption: 'pending' }, { $set: { decryption: 'failed' } }, { returnDocument: 'after' });
      if (!updated) return false;
      await events.record(eventOf(updated as MessageDoc, 'message.undecryptable', `message.undecryptable:${_id}`));
      return true;
    },

    async insertOutbound(doc: MessageDoc): Promise<void> {
      try {
        await collection.insertOne(doc);
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
    },

    /** The encoded content of a message this session sent (getMessage: a contact's retry receipt). */
    async sentContent(key: MessageKey): Promise<Uint8Array | null> {
      const doc = await collection.findOne({ _id: storedMessageId(key) }, { projection: { wire: 1 }, maxTimeMS: 5_000 });
      return doc?.wire ? Buffer.from(doc.wire, 'base64') : null;
    },
  };
}

export type MessageStore = ReturnType<typeof messageStore>;
