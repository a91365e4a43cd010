import { z } from 'zod';
import type { ContactQuery, ContactView } from '../../../contacts/contactQuery.ts';
import type { Assert, Same } from '../../openapi/sameShape.ts';
import { isoTime } from '../../openapi/components.ts';

/** What GET /v1/contacts answers (the OpenAPI document's response schemas; the query is in schemas.ts). */


export const contactResponse = z.object({
  id: z.string(),
  session: z.string(),
  jid: z.string(),
  name: z.string().nullable(),
  notify: z.string().nullable(),
  verifiedName: z.string().nullable(),
  phoneNumber: z.string().nullable(),
  lid: z.string().nullable(),
  createdAt: isoTime,
  updatedAt: isoTime,
});
export type ContactResponseIsContactView = Assert<Same<z.output<typeof contactResponse>, ContactView>>;

export const contactPageResponse = z.object({
  data: z.array(contactResponse),
  pagination: z.object({ limit: z.number().int(), nextCursor: z.string().nullable(), hasMore: z.boolean() }),
});
export type ContactPageIsContactListing = Assert<Same<z.output<typeof contactPageResponse>, Awaited<ReturnType<ContactQuery['list']>>>>;
