import type { mongo } from 'mongoose';
import type { Models } from '../models/index.ts';
import type { MessageDoc } from '../models/message.ts';
import type { Logger } from '../infra/logger.ts';
import { chatScopedMessageId, storedMessageId } from '../messages/messageKey.ts';

/** Marks the migration done (collection `migrations`), so later starts skip the scan. */
interface MigrationDoc {
  _id: string;
  doneAt: Date;
  renamed: number;
  kept: number;
}

const NAME = 'message-ids-without-chat';
const BATCH = 500;

/**
 * Earlier versions derived a message's `_id` from (organization, session, chat, messageId,
 * fromMe). Now the chat is not part of it (one conversation may arrive by phone number and by
 * LID): every message stored under the old id is copied to its new id, with the old one kept in
 * `legacyId` (GET /v1/messages/<old id> still finds it), then the old document is removed. Safe
 * to run again and from several instances at once: each step is idempotent. A message whose new
 * id another chat's message already holds keeps its old, chat-scoped id (never merged).
 */
export async function migrateMessageIds(models: Models, log: Logger): Promise<{ renamed: number; kept: number }> {
  const db = models.Message.db.db!;
  const migrations = db.collection<MigrationDoc>('migrations');
  if (await migrations.findOne({ _id: NAME })) return { renamed: 0, kept: 0 };
  const messages = models.Message.collection as unknown as mongo.Collection<MessageDoc>;
  let renamed = 0;
  let kept = 0;
  let after = '';
  for (;;) {
    const batch = await messages.find({ _id: { $gt: after } }).sort({ _id: 1 }).limit(BATCH).toArray();
    if (batch.length === 0) break;
    after = batch[batch.length - 1]._id;
    const old = batch.filter((doc) => !doc.legacyId && doc._id === chatScopedMessageId(doc) && doc._id !== storedMessageId(doc));
    if (old.length === 0) continue;
    const moved = old.map((doc) => ({ ...doc, _id: storedMessageId(doc), legacyId: doc._id }));
    try {
      await messages.insertMany(moved, { ordered: false });
    } catch (error) {
      if ((error as { code?: number }).code !== 11000 && !(error as { writeErrors?: unknown[] }).writeErrors) throw error;
    }
    // Remove an old document only where its copy is there (inserted now, or by another instance).
    const copies = await messages.find({ _id: { $in: moved.map((d) => d._id) } }, { projection: { legacyId: 1 } }).toArray();
    const copied = new Set(copies.filter((c) => c.legacyId).map((c) => c.legacyId));
    const gone = old.filter((doc) => copied.has(doc._id)).map((doc) => doc._id);
    if (gone.length) await messages.deleteMany({ _id: { $in: gone } });
    renamed += gone.length;
    kept += old.length - gone.length;
  }
  await migrations.updateOne({ _id: NAME }, { $set: { doneAt: new Date(), renamed, kept } }, { upsert: true });
  if (renamed || kept) log.info({ renamed, kept }, 'message ids migrated (the chat is no longer part of them); old ids still answer GET');
  return { renamed, kept };
}
