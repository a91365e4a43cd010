import { z } from 'zod';
import { displayName } from '../../schemas.ts';

export const createOrganizationBody = z.object({ name: displayName }).strict();
export const createApiKeyBody = z.object({ name: displayName }).strict();

export const deadLettersQuery = z.object({ limit: z.coerce.number().int().min(1).max(1_000).default(100) });

/** Which dead letters to replay (their ids from GET /v1/admin/dead-letters); all when omitted. */
export const replayDeadLettersBody = z.object({ ids: z.array(z.string().min(1).max(200)).min(1).max(10_000).optional() }).strict();
