/** A text field as stored: WhatsApp's value exactly as received (NUL included), or null. */
export function storedText(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
