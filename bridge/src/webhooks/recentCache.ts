/**
 * A bounded, expiring map of documents this process has just written or read, so the next step
 * of the same pipeline does not read them back from the database: the event the fan-out just
 * recorded, the delivery it just created, the endpoint it just looked up. Oldest out first
 * beyond `limit`; an entry older than `ttlMs` is gone. Whatever is not here is read as before.
 */
export class RecentCache<T> {
  readonly #entries = new Map<string, { value: T; at: number }>();
  readonly #limit: number;
  readonly #ttlMs: number;

  constructor(limit: number, ttlMs: number) {
    this.#limit = limit;
    this.#ttlMs = ttlMs;
  }

  get(key: string): T | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (Date.now() - entry.at > this.#ttlMs) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** get, once: the entry is removed. */
  take(key: string): T | undefined {
    const value = this.get(key);
    this.#entries.delete(key);
    return value;
  }

  set(key: string, value: T): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, at: Date.now() });
    if (this.#entries.size > this.#limit) this.#entries.delete(this.#entries.keys().next().value as string);
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}
