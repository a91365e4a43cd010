import { z } from 'zod';

/**
 * A human-readable name: trimmed, 1–200 characters, no control characters (they are useless in
 * names and garble the logs and pages that show them).
 */
export const displayName = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');
