import { createHash } from 'node:crypto';
import type { mongo } from 'mongoose';
import type { Models } from '../models/index.ts';
import { isDuplicateKey } from '../infra/duplicateKey.ts';
import type { ContactDoc } from '../models/contact.ts';
import { storedText } from '../messages/storedText.ts';

/** The fields of a Baileys Contact the bridge keeps (contacts.upsert / contacts.update). */
export interface ContactUpdate {
  id: string;
  name?: string | null;
  notify?: string | null;
  verifiedName?: string | null;
  phoneNumber?: string | null;
  lid?: string | null;
}

export function contactId(organizationId: string, session: string, jid: string): string {
  const digest = createHash('sha256').update([organizationId, session, jid].join('\u0001')).digest('hex');
  return `ct_${digest.slice(0, 24)}`;
}

const FIELDS = ['name', 'notify', 'verifiedName', 'phoneNumber', 'lid'] as const;

/** Only what Baileys sent (a partial contacts.update must not erase what an earlier upsert set). */
export function contactChanges(update: ContactUpdate): Partial<Pick<ContactDoc, (typeof FIELDS)[number]>> {
  const changes: Partial<Record<(typeof FIELDS)[number], string | null>> = {};
  for (const field of FIELDS) {
    if (update[field] !== undefined) changes[field] = storedText(update[field]);
  }
  return changes;
}

/** Contacts upserted per (organization, session, jid). */
export function contactStore(models: Models) {
  return {
    async upsertContacts(organizationId: string, session: string, updates: ContactUpdate[], now: Date = new Date()): Promise<void> {
      const operations: mongo.AnyBulkWriteOperation<ContactDoc>[] = [];
      for (const update of updates) {
        const jid = storedText(update.id);
        if (!jid) continue;
        operations.push({
          updateOne: {
            filter: { _id: contactId(organizationId, session, jid) },
            update: {
              $set: { ...contactChanges(update), updatedAt: now },
              $setOnInsert: { organizationId, session, jid, createdAt: now },
            },
            upsert: true,
          },
        });
      }
      if (operations.length === 0) return;
      try {
        await (models.Contact.collection as unknown as mongo.Collection<ContactDoc>).bulkWrite(operations, { ordered: false });
      } catch (error) {
        // A concurrent upsert of the same new contact: it exists now; apply this update again.
        if (!isDuplicateKey(error)) throw error;
        await (models.Contact.collection as unknown as mongo.Collection<ContactDoc>).bulkWrite(operations, { ordered: false });
      }
    },
  };
}

export type ContactStore = ReturnType<typeof contactStore>;
