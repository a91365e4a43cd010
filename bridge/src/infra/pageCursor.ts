import { invalid } from '../errors.ts';

/**
 * Opaque keyset cursors: base64url of a small JSON value. A cursor that does not decode to the
 * expected shape is a 400, never a 500.
 */
export function encodeCursor(value: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function decodeCursor<T>(cursor: string, check: (value: unknown) => value is T): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (!check(value)) throw invalid('invalid_cursor', 'The cursor is not one this API returned (use pagination.nextCursor as is).');
  return value;
}
