/**
 * When the next attempt of a delivery happens. The configured schedule (WEBHOOK_RETRY_SCHEDULE)
 * lists the waits after the first try; each wait gets up to +10 % jitter (never earlier than
 * configured, so a herd of failures to one endpoint spreads out). A Retry-After from the endpoint
 * pushes the next attempt later, never earlier, and is capped so a hostile value cannot park a
 * delivery for ever.
 */
export const MAX_RETRY_AFTER_MS = 24 * 3_600_000;
const JITTER = 0.1;

/** Milliseconds until the next attempt after `attemptsMade` attempts, or null when the schedule is exhausted. */
export function nextDelayMs(schedule: number[], attemptsMade: number, retryAfterMs: number | null, random: () => number = Math.random): number | null {
  const step = schedule[attemptsMade - 1];
  if (step === undefined) return null;
  const jittered = Math.round(step * (1 + JITTER * random()));
  if (retryAfterMs === null) return jittered;
  return Math.max(jittered, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS));
}

/** Retry-After as delay-seconds or an HTTP-date; null when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | null {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return null;
  const trimmed = raw.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1_000;
  // An HTTP-date names its weekday and month; Date.parse alone would read "-5" as a year.
  if (!/^[A-Za-z]{3,9},? /.test(trimmed)) return null;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}
