import type { Models } from '../models/index.ts';
import type { MessageDoc, MessageType } from '../models/message.ts';
import { decodeCursor, encodeCursor } from '../infra/pageCursor.ts';
import { notFound } from '../errors.ts';
import type { LidDirectory } from '../identity/lidDirectory.ts';
import { isLid } from '../identity/jids.ts';
import { messageView, type MessageView } from './messageView.ts';
import { LISTING_TIME_MS, after, listing, narrowed, runListing, type IndexKeys, type Listing } from '../infra/listing.ts';

export interface MessageFilters {
  session?: string;
  chat?: string;
  direction?: 'in' | 'out';
  type?: MessageType;
  since?: Date;
  until?: Date;
}

export interface CursorPage {
  data: MessageView[];
  pagination: { limit: number; nextCursor: string | null; hasMore: boolean };
}

export interface NumberedPage {
  data: MessageView[];
  pagination: { page: number; limit: number; total: number; pages: number };
}

interface MessageCursor {
  t: number;
  i: string;
}

function isMessageCursor(value: unknown): value is MessageCursor {
  const v = value as MessageCursor | null;
  return !!v && typeof v === 'object' && Number.isSafeInteger(v.t) && typeof v.i === 'string' && /^msg_[0-9a-f]{24}$/.test(v.i);
}

/** Newest first; `_id` breaks ties between equal timestamps so the order is total. */
const NEWEST_FIRST = { timestamp: -1, _id: -1 } as const;

function baseFilter(organizationId: string, f: MessageFilters): Record<string, unknown> {
  const filter: Record<string, unknown> = { organizationId };
  if (f.session) filter.session = f.session;
  if (f.chat) filter.chat = f.chat;
  if (f.direction) filter.direction = f.direction;
  if (f.type) filter.type = f.type;
  if (f.since || f.until) {
    filter.timestamp = { ...(f.since ? { $gte: f.since } : {}), ...(f.until ? { $lte: f.until } : {}) };
  }
  return filter;
}

/**
 * The listing index for the filters (models/message.ts): the most selective one whose equality
 * keys are all filtered on; the other filters are checked on the rows as the index is walked.
 */
function indexFor(f: MessageFilters): IndexKeys {
  const prefix: Record<string, 1> = { organizationId: 1 };
  if (f.session && f.chat) Object.assign(prefix, { session: 1, chat: 1 });
  else if (f.chat) prefix.chat = 1;
  else if (f.session) prefix.session = 1;
  else if (f.type) prefix.type = 1;
  else if (f.direction) prefix.direction = 1;
  return { ...prefix, ...NEWEST_FIRST };
}

/** Message lookup for one organization: keyset (cursor) pages, numbered pages, one message. */
/** The first page of a listing, or the page after `cursor`: strictly after the last message returned, in (timestamp desc, _id desc) order. */
export function cursorListing(organizationId: string, filters: MessageFilters, limit: number, cursor?: string): Listing {
  let filter = baseFilter(organizationId, filters);
  if (cursor) {
    const last = decodeCursor(cursor, isMessageCursor);
    filter = narrowed(filter, after(NEWEST_FIRST, { timestamp: new Date(last.t), _id: last.i }));
  }
  return listing({ filter, sort: NEWEST_FIRST, index: indexFor(filters), limit: limit + 1 });
}

/** Page `page` (from 1) of `limit` messages: the same walk, skipping the pages before it. */
export function pageListing(organizationId: string, filters: MessageFilters, limit: number, page: number): Listing {
  return listing({ filter: baseFilter(organizationId, filters), sort: NEWEST_FIRST, index: indexFor(filters), limit, skip: (page - 1) * limit });
}

export function messageQuery(models: Models, lids?: LidDirectory) {
  const Message = models.Message;

  /** A chat named by its LID is looked up under the phone number the LID stands for, when known. */
  async function resolved(organizationId: string, filters: MessageFilters): Promise<MessageFilters> {
    // A bare phone number means its chat.
    if (filters.chat && /^\+?\d{6,15}$/.test(filters.chat)) filters = { ...filters, chat: `${filters.chat.replace('+', '')}@s.whatsapp.net` };
    if (!lids || !isLid(filters.chat)) return filters;
    const pn = await lids.phoneNumberOf(organizationId, filters.chat);
    return pn ? { ...filters, chat: pn } : filters;
  }

  return {

    async byCursor(organizationId: string, requested: MessageFilters, limit: number, cursor?: string): Promise<CursorPage> {
      const filters = await resolved(organizationId, requested);
      const docs = await runListing<MessageDoc>(Message, cursorListing(organizationId, filters, limit, cursor));
      const hasMore = docs.length > limit;
      const page = hasMore ? docs.slice(0, limit) : docs;
      const last = page[page.length - 1];
      return {
        data: page.map(messageView),
        pagination: { limit, nextCursor: hasMore && last ? encodeCursor({ t: new Date(last.timestamp).getTime(), i: last._id }) : null, hasMore },
      };
    },

    async byPage(organizationId: string, requested: MessageFilters, limit: number, page: number): Promise<NumberedPage> {
      const filters = await resolved(organizationId, requested);
      const filter = baseFilter(organizationId, filters);
      const [docs, total] = await Promise.all([
        runListing<MessageDoc>(Message, pageListing(organizationId, filters, limit, page)),
        Message.countDocuments(filter).maxTimeMS(LISTING_TIME_MS),
      ]);
      return { data: docs.map(messageView), pagination: { page, limit, total, pages: Math.ceil(total / limit) } };
    },

    async byId(organizationId: string, id: string): Promise<MessageView> {
      if (!/^msg_[0-9a-f]{24}$/.test(id)) throw notFound('message_not_found', `No message ${id}`);
      // Ids from before the id migration (messageIdsWithoutChat.ts) still answer.
      const doc =
        (await Message.findOne({ _id: id, organizationId }).maxTimeMS(LISTING_TIME_MS).lean<MessageDoc>()) ??
        (await Message.findOne({ legacyId: id, organizationId }).maxTimeMS(LISTING_TIME_MS).lean<MessageDoc>());
      if (!doc) throw notFound('message_not_found', `No message ${id}`);
      return messageView(doc);
    },
  };
}

export type MessageQuery = ReturnType<typeof messageQuery>;
