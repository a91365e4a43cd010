import { z } from 'zod';
import { isoTime } from '../../openapi/components.ts';

/** POST /console/sign-in: the organization key to sign in with. */
export const consoleSignInBody = z.object({ key: z.string().min(1).max(200) }).strict();

/** What POST /console/sign-in answers (the key itself is only in the httpOnly cookie). */
export const consoleSignInResponse = z.object({ organizationId: z.string(), expiresAt: isoTime });
