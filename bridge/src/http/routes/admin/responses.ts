import { z } from 'zod';
import type { ApiKeyService, IssuedKey } from '../../../services/apiKeyService.ts';
import type { DeadLetters } from './router.ts';
import type { Assert, Same } from '../../openapi/sameShape.ts';
import { isoTime } from '../../openapi/components.ts';

/** What the admin routes answer (the OpenAPI document's response schemas; requests are in schemas.ts). */

/** Shown once, here; stored only as a hash. */
const apiKey = z.string().startsWith('wab_');

export const organizationResponse = z.object({ id: z.string(), name: z.string(), apiKey, createdAt: isoTime });
export type OrganizationResponseIsCreated = Assert<Same<z.output<typeof organizationResponse>, Awaited<ReturnType<ApiKeyService['createOrganization']>>>>;

export const apiKeyResponse = z.object({ id: z.string(), organizationId: z.string(), name: z.string(), apiKey, createdAt: isoTime });
export type ApiKeyResponseIsIssuedKey = Assert<Same<z.output<typeof apiKeyResponse>, IssuedKey>>;

export const deadLettersResponse = z.object({
  /** Every dead letter, however many `data` shows. */
  total: z.number().int().min(0),
  data: z.array(
    z.object({
      id: z.string(),
      kind: z.enum(['message', 'status', 'change', 'history', 'deadline', 'contacts']),
      organizationId: z.string().nullable(),
      session: z.string().nullable(),
      messageId: z.string().nullable(),
      attempts: z.number().int().min(0),
      reason: z.string(),
      failedAt: isoTime.nullable(),
    }),
  ),
});
export type DeadLettersResponseIsDeadLetters = Assert<Same<z.output<typeof deadLettersResponse>, Awaited<ReturnType<DeadLetters['deadLetters']>>>>;

export const replayedResponse = z.object({ replayed: z.number().int().min(0) });
