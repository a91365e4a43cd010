/**
 * Recognising "a document with this unique key already exists", whichever server answers:
 * - MongoDB: code 11000 (11001 on old servers), also inside bulk write errors;
 * - FerretDB 2 on DocumentDB: 11000 as well, except for a unique conflict raised by an upsert
 *   through findAndModify (findOneAndUpdate with upsert), which comes back as code 1
 *   (InternalError) "conflicting key value violates exclusion constraint …" — the PostgreSQL
 *   exclusion constraint behind DocumentDB's unique indexes. See docs/database.md.
 */
interface ServerError {
  code?: unknown;
  message?: unknown;
  errmsg?: unknown;
  writeErrors?: unknown;
}

const EXCLUSION_CONFLICT = /conflicting key value violates exclusion constraint/;

function isDuplicateEntry(entry: ServerError | undefined): boolean {
  if (!entry || typeof entry !== 'object') return false;
  if (entry.code === 11000 || entry.code === 11001) return true;
  const message = typeof entry.errmsg === 'string' ? entry.errmsg : typeof entry.message === 'string' ? entry.message : '';
  return entry.code === 1 && EXCLUSION_CONFLICT.test(message);
}

function writeErrorsOf(error: ServerError): ServerError[] {
  const { writeErrors } = error;
  if (Array.isArray(writeErrors)) return writeErrors as ServerError[];
  return writeErrors && typeof writeErrors === 'object' ? [writeErrors as ServerError] : [];
}

/** True when the write failed only because the document (or its unique key) already exists. */
export function isDuplicateKey(error: unknown): boolean {
  const e = (error ?? {}) as ServerError;
  const writeErrors = writeErrorsOf(e);
  if (writeErrors.length > 0) return writeErrors.every(isDuplicateEntry);
  return isDuplicateEntry(e);
}

/**
 * The positions, in an unordered bulk write, of the operations refused as duplicates, when every
 * write error is one; null when any other error is among them (the caller retries the batch).
 */
export function duplicatePositions(error: unknown): Set<number> | null {
  const writeErrors = writeErrorsOf((error ?? {}) as ServerError) as Array<ServerError & { index?: unknown }>;
  if (writeErrors.length === 0 || !writeErrors.every((e) => isDuplicateEntry(e) && typeof e.index === 'number')) return null;
  return new Set(writeErrors.map((e) => e.index as number));
}
