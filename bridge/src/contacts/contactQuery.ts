import type { Models } from '../models/index.ts';
import type { ContactDoc } from '../models/contact.ts';
import { decodeCursor, encodeCursor } from '../infra/pageCursor.ts';
import { after, listing, narrowed, runListing, type Listing } from '../infra/listing.ts';
import { iso } from '../infra/isoTime.ts';

/** The API's contact: the stored fields, with `id` for `_id` and ISO times. */
export type ContactView = Omit<ContactDoc, '_id' | 'organizationId' | 'createdAt' | 'updatedAt'> & { id: string; createdAt: string; updatedAt: string };

export function contactView(doc: ContactDoc): ContactView {
  return {
    id: doc._id,
    session: doc.session,
    jid: doc.jid,
    name: doc.name ?? null,
    notify: doc.notify ?? null,
    verifiedName: doc.verifiedName ?? null,
    phoneNumber: doc.phoneNumber ?? null,
    lid: doc.lid ?? null,
    createdAt: iso(doc.createdAt),
    updatedAt: iso(doc.updatedAt),
  };
}

function isContactCursor(value: unknown): value is { i: string } {
  const v = value as { i?: unknown } | null;
  return !!v && typeof v === 'object' && typeof v.i === 'string' && /^ct_[0-9a-f]{24}$/.test(v.i);
}

const BY_ID = { _id: 1 } as const;

/** Contacts in id order, per organization or per session (models/contact.ts has both indexes). */
export function contactListing(organizationId: string, options: { session?: string; limit: number; cursor?: string }): Listing {
  let filter: Record<string, unknown> = { organizationId };
  if (options.session) filter.session = options.session;
  if (options.cursor) filter = narrowed(filter, after(BY_ID, { _id: decodeCursor(options.cursor, isContactCursor).i }));
  const index = options.session ? { organizationId: 1, session: 1, ...BY_ID } as const : { organizationId: 1, ...BY_ID } as const;
  return listing({ filter, sort: BY_ID, index, limit: options.limit + 1 });
}

/** Contacts of one organization in a stable order (their ids), cursor paged. */
export function contactQuery(models: Models) {
  return {
    async list(organizationId: string, options: { session?: string; limit: number; cursor?: string }) {
      const docs = await runListing<ContactDoc>(models.Contact, contactListing(organizationId, options));
      const hasMore = docs.length > options.limit;
      const page = hasMore ? docs.slice(0, options.limit) : docs;
      const last = page[page.length - 1];
      return {
        data: page.map(contactView),
        pagination: { limit: options.limit, nextCursor: hasMore && last ? encodeCursor({ i: last._id }) : null, hasMore },
      };
    },
  };
}

export type ContactQuery = ReturnType<typeof contactQuery>;
