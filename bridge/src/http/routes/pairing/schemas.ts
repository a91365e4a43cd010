import { z } from 'zod';
import { SESSION_STATUSES } from '../../../models/session.ts';
import { pairingCodeBody as sessionPairingCodeBody } from '../sessions/schemas.ts';

/** POST /pair/:token/restart takes no fields (an empty body or `{}`). */
export const pairingRestartBody = z.object({}).strict();

/** POST /pair/:token/pairing-code: the same body as POST /v1/sessions/:name/pairing-code. */
export const pairingLinkCodeBody = sessionPairingCodeBody;

/** What POST /pair/:token/restart answers: `restarted` is false when the session was already on its way to a code. */
export const pairingRestartResponse = z.object({ name: z.string(), status: z.enum(SESSION_STATUSES), restarted: z.boolean() });

/** What POST /pair/:token/pairing-code answers: the 8-character code to type on the phone. */
export const pairingLinkCodeResponse = z.object({ code: z.string() });
