import type { GroupMetadata } from '@whiskeysockets/baileys';

/** How long a group's metadata is trusted before it is fetched again (groups.update refreshes it sooner). */
const TTL_MS = 60 * 60_000;
const LIMIT = 20_000;

/**
 * Group metadata per session, in memory: gives inbound group messages their subject (`chatName`)
 * and answers Baileys' cachedGroupMetadata, so a send to a group does not first query WhatsApp for
 * its participants (which WhatsApp rate-limits: `rate-overlimit`).
 */
export function groupMetadataCache() {
  const entries = new Map<string, { metadata: GroupMetadata; at: number }>();
  const keyOf = (sessionKey: string, jid: string) => `${sessionKey}\u0001${jid}`;
  return {
    get(sessionKey: string, jid: string): GroupMetadata | undefined {
      const entry = entries.get(keyOf(sessionKey, jid));
      if (!entry || Date.now() - entry.at > TTL_MS) return undefined;
      return entry.metadata;
    },
    set(sessionKey: string, metadata: GroupMetadata): void {
      if (entries.size >= LIMIT) entries.delete(entries.keys().next().value as string);
      entries.set(keyOf(sessionKey, metadata.id), { metadata, at: Date.now() });
    },
    /** A partial update (groups.update): merged into what is cached, if anything is. */
    update(sessionKey: string, update: Partial<GroupMetadata> & { id: string }): void {
      const entry = entries.get(keyOf(sessionKey, update.id));
      if (entry) entry.metadata = { ...entry.metadata, ...update };
    },
  };
}

export type GroupMetadataCache = ReturnType<typeof groupMetadataCache>;
