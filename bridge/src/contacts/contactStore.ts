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

/** What this process wrote last per contact: WhatsApp repeats a contact's name with every message. */
const RECENT_LIMIT = 50_000;
/** A repeat within this long is skipped (bounded, so a change another instance wrote is not masked for long). */
const RECENT_MS = 5 * 60_000;

/** Contacts upserted per (organization, session, jid); a repeat of what was just written is skipped. */
export function contactStore(models: Models) {
  const recent = new Map<string, { fingerprint: string; at: number }>();
  function remember(id: string, fingerprint: string, at: number): void {
    recent.delete(id);
    recent.set(id, { fingerprint, at });
    if (recent.size > RECENT_LIMIT) recent.delete(recent.keys().next().value as string);
  }

  return {
    async upsertContacts(organizationId: string, session: string, updates: ContactUpdate[], now: Date = new Date()): Promise<void> {
      const operations: mongo.AnyBulkWriteOperation<ContactDoc>[] = [];
      const written: Array<{ id: string; fingerprint: string }> = [];
      for (const update of updates) {
        const jid = storedText(update.id);
        if (!jid) continue;
        const _id = contactId(organizationId, session, jid);
        const changes = contactChanges(update);
        const fingerprint = JSON.stringify(changes);
        const last = recent.get(_id);
        if (last && last.fingerprint === fingerprint && now.getTime() - last.at < RECENT_MS) continue;
        written.push({ id: _id, fingerprint });
        operations.push({
          updateOne: {
            filter: { _id },
            update: {
              $set: { ...changes, updatedAt: now },
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
      for (const { id, fingerprint } of written) remember(id, fingerprint, now.getTime());
    },
  };
}

export type ContactStore = ReturnType<typeof contactStore>;
