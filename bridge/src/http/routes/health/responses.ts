import { z } from 'zod';

/** What the health routes answer (the OpenAPI document's response schemas). */

export const healthResponse = z.object({
  status: z.literal('ok'),
  instanceId: z.string(),
  /** Present (and true) only on a bridge running against the WhatsApp simulator. */
  sandbox: z.literal(true).optional(),
});

const checks = z.object({ mongodb: z.enum(['ok', 'unreachable']), redis: z.enum(['ok', 'unreachable']) });

export const readyResponse = z.object({ status: z.literal('ready'), checks });

/** 503 from /readyz: the error shape, with the checks beside it. */
export const notReadyResponse = z.object({
  error: z.object({ code: z.literal('not_ready'), message: z.string() }),
  checks,
});
