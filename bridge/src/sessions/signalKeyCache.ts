import type { SignalDataSet, SignalDataTypeMap, SignalKeyStore } from '@whiskeysockets/baileys';

/** Keys one socket keeps in memory at most (a session talks to a few thousand devices at most at once). */
const DEFAULT_LIMIT = 10_000;

/**
 * A socket's Signal keys, read once from the store and then served from memory: Baileys reads a
 * session record (and looks for keys that do not exist, such as a LID mapping it does not know)
 * for every message, which would otherwise be a database round trip each. Writes go to the store
 * first and reach the cache only once stored, so the cache never holds what the database does
 * not. Absent keys are remembered as absent. One cache per socket: only the socket that owns the session
 * writes its keys (a replaced or ended socket's writes are discarded before they get here), so
 * nothing else can make it stale. Like Baileys' makeCacheableSignalKeyStore, with a bound.
 */
export function cachedSignalKeys(store: SignalKeyStore, limit = DEFAULT_LIMIT): SignalKeyStore {
  const cache = new Map<string, unknown>();
  const keyOf = (type: string, id: string) => `${type}\u0001${id}`;

  function remember(key: string, value: unknown): void {
    cache.delete(key);
    cache.set(key, value);
    // Oldest first out: Map keeps insertion order, and a read or write re-inserts.
    while (cache.size > limit) cache.delete(cache.keys().next().value as string);
  }

  return {
    async get<T extends keyof SignalDataTypeMap>(type: T, ids: string[]) {
      const result: { [id: string]: SignalDataTypeMap[T] } = {};
      const missing: string[] = [];
      for (const id of ids) {
        const key = keyOf(type, id);
        if (!cache.has(key)) {
          missing.push(id);
          continue;
        }
        const value = cache.get(key);
        remember(key, value);
        if (value !== null) result[id] = value as SignalDataTypeMap[T];
      }
      if (missing.length) {
        const fetched = await store.get(type, missing);
        for (const id of missing) {
          const value = fetched[id];
          remember(keyOf(type, id), value ?? null);
          if (value !== undefined && value !== null) result[id] = value;
        }
      }
      return result;
    },

    async set(data: SignalDataSet) {
      await store.set(data);
      for (const [type, entries] of Object.entries(data)) {
        for (const [id, value] of Object.entries(entries ?? {})) remember(keyOf(type, id), value ?? null);
      }
    },

    async clear() {
      cache.clear();
      await store.clear?.();
    },
  };
}
