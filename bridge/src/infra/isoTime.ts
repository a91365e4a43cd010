/** A stored date as the API shows it (ISO 8601), or null. */
export function isoOrNull(date: Date | string | number | null | undefined): string | null {
  return date === null || date === undefined ? null : new Date(date).toISOString();
}

/** A stored date that is always set, as the API shows it. */
export function iso(date: Date | string | number): string {
  return new Date(date).toISOString();
}
