import { describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_MS, nextDelayMs, parseRetryAfter } from '../../../bridge/src/webhooks/retrySchedule.ts';

const schedule = [5_000, 300_000, 1_800_000];

describe('retry schedule', () => {
  it('waits the configured step after each attempt, plus at most 10 % jitter, then stops', () => {
    expect(nextDelayMs(schedule, 1, null, () => 0)).toBe(5_000);
    expect(nextDelayMs(schedule, 1, null, () => 0.999)).toBe(5_500);
    expect(nextDelayMs(schedule, 3, null, () => 0.5)).toBe(1_890_000);
    expect(nextDelayMs(schedule, 4, null)).toBeNull();
  });

  it('Retry-After pushes the next attempt later, never earlier, and is capped', () => {
    expect(nextDelayMs(schedule, 1, 60_000, () => 0)).toBe(60_000);
    expect(nextDelayMs(schedule, 2, 1_000, () => 0)).toBe(300_000);
    expect(nextDelayMs(schedule, 1, 30 * 24 * 3_600_000, () => 0)).toBe(MAX_RETRY_AFTER_MS);
    expect(nextDelayMs(schedule, 4, 1_000)).toBeNull();
  });

  it('reads Retry-After as seconds or an HTTP date, and ignores garbage', () => {
    const now = Date.parse('2026-11-26T18:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 26 Nov 2026 18:01:30 GMT', now)).toBe(90_000);
    expect(parseRetryAfter('Thu, 26 Nov 2026 17:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('Thursday, 26-Nov-26 18:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('-5', now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
  });
});
