/**
 * Text as it may be stored: FerretDB's PostgreSQL backend rejects strings containing NUL
 * (U+0000), and no WhatsApp client shows one, so NULs are removed from every stored string.
 */
export function storedText(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  return value.includes('\u0000') ? value.replaceAll('\u0000', '') : value;
}
