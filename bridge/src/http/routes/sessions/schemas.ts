import { z } from 'zod';

export const sessionName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must match ^[a-z0-9][a-z0-9_-]{0,63}$ (lowercase letters, digits, "_" and "-"; up to 64)');

export const sessionParams = z.object({ name: sessionName });

const receive = z
  .object({ statusBroadcasts: z.boolean().optional(), newsletters: z.boolean().optional(), history: z.enum(['off', 'recent', 'full']).optional() })
  .strict();

export const createSessionBody = z
  .object({
    name: sessionName,
    /** Start right away (and show a QR); default true. */
    start: z.boolean().default(true),
    /** Keep status posts and channel posts as messages (both off by default); how much history sync to keep (default WA_HISTORY_SYNC). */
    receive: receive.optional(),
  })
  .strict();

export const updateSessionBody = z.object({ receive }).strict();

export const deleteSessionQuery = z.object({ purge: z.enum(['true', 'false', '1', '0']).optional().transform((v) => v === 'true' || v === '1') });

export const qrQuery = z.object({ format: z.enum(['json', 'png']).optional() });

/** Digits only in the end (country code first, no "+"); spaces, dashes, dots, parentheses and a leading "+" are dropped. */
export const pairingCodeBody = z
  .object({
    phoneNumber: z
      .string()
      .max(32)
      .transform((v) => v.replace(/[\s\-().]/g, '').replace(/^\+/, ''))
      .pipe(z.string().regex(/^\d{6,15}$/, 'must be a phone number in international format, country code first (e.g. 4915123456789)')),
  })
  .strict();

export const pairingLinkBody = z
  .object({
    /** How long the link works, in seconds (60 to 86400; default 900). */
    expiresIn: z.number().int().min(60).max(86_400).default(900),
  })
  .strict();
