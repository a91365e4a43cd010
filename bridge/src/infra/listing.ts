import type { Model } from 'mongoose';

export type IndexKeys = Readonly<Record<string, 1 | -1>>;

/**
 * A listing: a filter, an order, and the index that returns rows in that order. The index is
 * named in the query (a hint) because DocumentDB (FerretDB 2) leaves the choice to PostgreSQL's
 * planner, which often prefers another index of the collection and then sorts in memory; named,
 * every server walks the index in order and stops at the limit (docs/database.md).
 */
export interface Listing {
  filter: Record<string, unknown>;
  /** The order: the last keys of `index`, in the same directions (a reversed walk is not served by DocumentDB). */
  sort: IndexKeys;
  index: IndexKeys;
  limit: number;
  skip?: number;
}

/** Listings that cannot finish in time fail instead of holding the request. */
export const LISTING_TIME_MS = 15_000;

export function listing(query: Listing): Listing {
  const indexKeys = Object.entries(query.index);
  const sortKeys = Object.entries(query.sort);
  const tail = indexKeys.slice(indexKeys.length - sortKeys.length);
  if (sortKeys.length > indexKeys.length || sortKeys.some(([key, dir], i) => tail[i][0] !== key || tail[i][1] !== dir)) {
    throw new Error(`listing order ${JSON.stringify(query.sort)} is not the end of its index ${JSON.stringify(query.index)}`);
  }
  return query;
}

function cursorOf<T>(model: Model<T>, query: Listing, maxTimeMs: number) {
  let cursor = model.find(query.filter).sort(query.sort as Record<string, 1 | -1>).hint(query.index as Record<string, 1 | -1>);
  if (query.skip) cursor = cursor.skip(query.skip);
  return cursor.limit(query.limit).maxTimeMS(maxTimeMs);
}

export async function runListing<T, D = T>(model: Model<T>, query: Listing, projection?: Record<string, 0 | 1>, maxTimeMs = LISTING_TIME_MS): Promise<D[]> {
  const cursor = cursorOf(model, query, maxTimeMs);
  if (projection) cursor.select(projection);
  return await cursor.lean<D[]>();
}

/** The server's plan for the listing (tests assert that no server sorts in memory). */
export async function explainListing<T>(model: Model<T>, query: Listing): Promise<unknown> {
  return await cursorOf(model, query, LISTING_TIME_MS).explain();
}

type Range = Partial<Record<'$lt' | '$lte' | '$gt' | '$gte', unknown>>;

function isRange(value: unknown): value is Range {
  return !!value && typeof value === 'object' && !(value instanceof Date) && Object.keys(value).every((k) => ['$lt', '$lte', '$gt', '$gte'].includes(k));
}

const tighter: Record<keyof Range, (a: unknown, b: unknown) => unknown> = {
  $lt: (a, b) => ((a as number) <= (b as number) ? a : b),
  $lte: (a, b) => ((a as number) <= (b as number) ? a : b),
  $gt: (a, b) => ((a as number) >= (b as number) ? a : b),
  $gte: (a, b) => ((a as number) >= (b as number) ? a : b),
};

/** `filter` narrowed by `extra`: ranges on the same field are intersected, `$or`s are and-ed. */
export function narrowed(filter: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...filter };
  for (const [key, value] of Object.entries(extra)) {
    const current = out[key];
    if (key === '$or' && current !== undefined) {
      out.$and = [...((out.$and as unknown[]) ?? []), { $or: current }, { $or: value }];
      delete out.$or;
    } else if (isRange(current) && isRange(value)) {
      const merged: Range = { ...current };
      for (const [op, bound] of Object.entries(value) as Array<[keyof Range, unknown]>) {
        merged[op] = merged[op] === undefined ? bound : tighter[op](merged[op], bound);
      }
      out[key] = merged;
    } else {
      out[key] = value;
    }
  }
  return out;
}

/**
 * Rows strictly after `last` in `sort` order (keyset paging). With two keys (a value and a
 * tie-breaker) the first key's bound is also written on its own: DocumentDB bounds the index
 * scan by it, while the `$or` alone is applied as a filter after walking every earlier entry.
 */
export function after(sort: IndexKeys, last: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.entries(sort);
  const beyond = (dir: 1 | -1) => (dir === -1 ? '$lt' : '$gt');
  if (keys.length === 1) {
    const [[key, dir]] = keys;
    return { [key]: { [beyond(dir)]: last[key] } };
  }
  if (keys.length !== 2) throw new Error('keyset paging takes one key, or a key and a tie-breaker');
  const [[first, firstDir], [second, secondDir]] = keys;
  return {
    [first]: { [firstDir === -1 ? '$lte' : '$gte']: last[first] },
    $or: [{ [first]: { [beyond(firstDir)]: last[first] } }, { [first]: last[first], [second]: { [beyond(secondDir)]: last[second] } }],
  };
}
