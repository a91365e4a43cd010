import { z } from 'zod';

/** What the pairing page's JSON route answers (sandbox mode only; the page itself is HTML). */

export const pairingScanResponse = z.object({ device: z.object({ phoneNumber: z.string(), deviceId: z.number().int() }) });

/** The signed token of a pairing link (POST /v1/sessions/:name/pairing-link), as it appears in the page's path. */
export const pairingTokenParams = z.object({ token: z.string().min(1) });
