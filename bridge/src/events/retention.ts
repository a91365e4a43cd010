/**
 * How long the outbox keeps what it delivered. Both are removed by TTL indexes on `expiresAt`
 * (MongoDB's TTL monitor, or DocumentDB's pg_cron job: within about a minute of the time).
 * - A finished delivery (succeeded or failed), with its attempt log, is kept this long after it
 *   finished; a replay makes it pending again, and a pending delivery never expires.
 * - An event is kept this long after it happened, and never less long than a delivery of it:
 *   finishing or replaying a delivery moves its event's expiry to at least the delivery's.
 */
export const DELIVERY_RETENTION_MS = 30 * 24 * 3_600_000;
export const EVENT_RETENTION_MS = 30 * 24 * 3_600_000;

export function expiryAfter(from: Date | number, retentionMs: number): Date {
  return new Date(new Date(from).getTime() + retentionMs);
}
