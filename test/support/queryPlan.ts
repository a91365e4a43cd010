import { BSON } from 'mongodb';

/**
 * What a server's explain() says about a listing, on MongoDB or on FerretDB 2 / DocumentDB:
 * which indexes it walks and whether it sorts in memory.
 * - MongoDB: stages in queryPlanner.winningPlan (classic or SBE): IXSCAN with a keyPattern; SORT.
 * - DocumentDB: PostgreSQL's plan ("Node Type": Index Scan with "Index Name"; Sort, Incremental Sort).
 */
export interface PlanSummary {
  indexes: string[];
  sortsInMemory: boolean;
  scansCollection: boolean;
  /** Fields whose condition bounds the index scan (not only filters the rows it returns). */
  boundedFields: string[];
}

const FULL_RANGE = new Set(['[MaxKey, MinKey]', '[MinKey, MaxKey]']);

/** The field names of the BSON literals in one of DocumentDB's index conditions. */
function bsonFields(condition: string): string[] {
  const fields: string[] = [];
  for (const [, hex] of condition.matchAll(/'BSONHEX([0-9a-f]+)'/gi)) {
    try {
      fields.push(...Object.keys(BSON.deserialize(Buffer.from(hex, 'hex'))));
    } catch {
      // Not a document literal.
    }
  }
  return fields;
}

/** MongoDB's default name of an index with these keys (`a_1_b_-1`), which DocumentDB reports too. */
export function indexName(keys: Record<string, 1 | -1>): string {
  return Object.entries(keys).map(([k, v]) => `${k}_${v}`).join('_');
}

function walk(node: unknown, visit: (obj: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) {
    for (const child of node) walk(child, visit);
  } else if (node && typeof node === 'object') {
    visit(node as Record<string, unknown>);
    for (const child of Object.values(node)) walk(child, visit);
  }
}

export function summarisePlan(explain: unknown): PlanSummary {
  const indexes = new Set<string>();
  const bounded = new Set<string>();
  let sortsInMemory = false;
  let scansCollection = false;
  const root = explain as { queryPlanner?: { winningPlan?: unknown; Plan?: unknown } };
  const plan = root.queryPlanner?.winningPlan ?? root.queryPlanner ?? explain;
  walk(plan, (obj) => {
    const stage = obj.stage;
    if (stage === 'IXSCAN' && obj.keyPattern && typeof obj.keyPattern === 'object') indexes.add(indexName(obj.keyPattern as Record<string, 1 | -1>));
    if (stage === 'IXSCAN' && typeof obj.indexName === 'string') indexes.add(obj.indexName);
    if (stage === 'IXSCAN' && obj.indexBounds && typeof obj.indexBounds === 'object') {
      for (const [field, ranges] of Object.entries(obj.indexBounds as Record<string, string[]>)) {
        if (!(ranges.length === 1 && FULL_RANGE.has(ranges[0]))) bounded.add(field);
      }
    }
    if (stage === 'SORT') sortsInMemory = true;
    if (stage === 'COLLSCAN') scansCollection = true;
    const nodeType = obj['Node Type'];
    if (typeof nodeType === 'string') {
      if (/Sort/.test(nodeType)) sortsInMemory = true;
      if (nodeType === 'Seq Scan') scansCollection = true;
      if (typeof obj['Index Name'] === 'string') indexes.add(obj['Index Name'] as string);
      if (typeof obj['Index Cond'] === 'string') for (const field of bsonFields(obj['Index Cond'] as string)) bounded.add(field);
    }
  });
  return { indexes: [...indexes], sortsInMemory, scansCollection, boundedFields: [...bounded] };
}
