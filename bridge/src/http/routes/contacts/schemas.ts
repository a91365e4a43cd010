import { z } from 'zod';
import { sessionName } from '../messages/schemas.ts';

export const listContactsQuery = z
  .object({
    session: sessionName.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().min(1).max(500).optional(),
  })
  .strict();
