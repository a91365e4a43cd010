import type { mongo } from 'mongoose';
import type { Models } from '../models/index.ts';
import type { LidMappingDoc } from '../models/lidMapping.ts';
import type { Logger } from '../infra/logger.ts';
import { isLid, isPhoneNumberJid, userJid } from './jids.ts';

export interface LidPair {
  lid: string;
  pn: string;
}

/** Mappings kept in memory per process (the common case: the same few thousand contacts). */
const CACHE_LIMIT = 50_000;

/**
 * LID ↔ phone number, per organization: learned from what WhatsApp sends (remoteJidAlt,
 * participantAlt, lid-mapping.update, history sync), kept in `lid_mappings`, cached in memory.
 * Learning a new mapping also moves messages stored under the bare LID to the phone number, so
 * a conversation stays one chat.
 */
export function lidDirectory(models: Models, log: Logger) {
  const collection = models.LidMapping.collection as unknown as mongo.Collection<LidMappingDoc>;
  const messages = models.Message.collection;
  const contacts = models.Contact.collection;
  const byLid = new Map<string, string>();
  const byPn = new Map<string, string>();
  const keyOf = (organizationId: string, jid: string) => `${organizationId}\u0001${jid}`;

  function cache(organizationId: string, pair: LidPair): void {
    if (byLid.size >= CACHE_LIMIT) {
      byLid.delete(byLid.keys().next().value as string);
      byPn.delete(byPn.keys().next().value as string);
    }
    byLid.set(keyOf(organizationId, pair.lid), pair.pn);
    byPn.set(keyOf(organizationId, pair.pn), pair.lid);
  }

  function clean(pair: { lid?: string | null; pn?: string | null }): LidPair | null {
    const lid = userJid(pair.lid);
    const pn = userJid(pair.pn);
    return isLid(lid) && isPhoneNumberJid(pn) ? { lid, pn } : null;
  }

  return {
    /** Remembers mappings (ignores malformed ones); new ones also re-address stored messages. */
    async learn(organizationId: string, pairs: Array<{ lid?: string | null; pn?: string | null }>): Promise<LidPair[]> {
      const fresh = new Map<string, LidPair>();
      for (const raw of pairs) {
        const pair = clean(raw);
        if (pair && byLid.get(keyOf(organizationId, pair.lid)) !== pair.pn) fresh.set(pair.lid, pair);
      }
      if (fresh.size === 0) return [];
      const now = new Date();
      await collection.bulkWrite(
        [...fresh.values()].map((pair) => ({
          updateOne: {
            filter: { _id: keyOf(organizationId, pair.lid) },
            update: { $set: { organizationId, lid: pair.lid, pn: pair.pn, updatedAt: now } },
            upsert: true,
          },
        })),
        { ordered: false },
      );
      for (const pair of fresh.values()) {
        // Messages stored while only the LID was known (1:1 chats: the sender is the chat).
        await messages.updateMany({ organizationId, chat: pair.lid, from: pair.lid }, { $set: { chat: pair.pn, chatLid: pair.lid, from: pair.pn, fromLid: pair.lid } });
        await messages.updateMany({ organizationId, chat: pair.lid }, { $set: { chat: pair.pn, chatLid: pair.lid } });
        // Contacts WhatsApp only named by their LID get the phone number (and the other way round).
        await contacts.updateMany({ organizationId, jid: pair.lid, phoneNumber: null }, { $set: { phoneNumber: pair.pn } });
        await contacts.updateMany({ organizationId, jid: pair.pn, lid: null }, { $set: { lid: pair.lid } });
        cache(organizationId, pair);
      }
      log.debug({ organizationId, count: fresh.size }, 'learned LID mappings');
      return [...fresh.values()];
    },

    /** The phone-number JID behind a LID, if any session of the organization learned it. */
    async phoneNumberOf(organizationId: string, lid: string): Promise<string | null> {
      const cached = byLid.get(keyOf(organizationId, lid));
      if (cached) return cached;
      const doc = await collection.findOne({ _id: keyOf(organizationId, lid) }, { projection: { pn: 1 }, maxTimeMS: 5_000 });
      if (doc) cache(organizationId, { lid, pn: doc.pn });
      return doc?.pn ?? null;
    },

    /** The LID of a phone number, if known. */
    async lidOf(organizationId: string, pn: string): Promise<string | null> {
      const cached = byPn.get(keyOf(organizationId, pn));
      if (cached) return cached;
      const doc = await collection.findOne({ organizationId, pn }, { projection: { lid: 1 }, maxTimeMS: 5_000 });
      if (doc) cache(organizationId, { lid: doc.lid, pn });
      return doc?.lid ?? null;
    },

    /** From memory only (no database read): for the hot path of phone-number-addressed traffic. */
    cachedLidOf(organizationId: string, pn: string): string | null {
      return byPn.get(keyOf(organizationId, pn)) ?? null;
    },
  };
}

export type LidDirectory = ReturnType<typeof lidDirectory>;
