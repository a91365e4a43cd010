import type { Models } from '../models/index.ts';
import type { MessageDoc, MessageType } from '../models/message.ts';
import { decodeCursor, encodeCursor } from '../http/pageCursor.ts';
import { notFound } from '../http/errors.ts';
import { messageView, type MessageView } from './messageView.ts';

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

/** Reads are bounded: a listing that cannot finish in time fails instead of holding the request. */
const DEFAULT_QUERY_TIME_MS = 15_000;

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

/** Message lookup for one organization: keyset (cursor) pages, numbered pages, one message. */
export function messageQuery(models: Models, options: { maxTimeMs?: number } = {}) {
  const Message = models.Message;
  const QUERY_TIME_MS = options.maxTimeMs ?? DEFAULT_QUERY_TIME_MS;

  return {
    filterFor: baseFilter,

    async byCursor(organizationId: string, filters: MessageFilters, limit: number, cursor?: string): Promise<CursorPage> {
      const filter = baseFilter(organizationId, filters);
      if (cursor) {
        const after = decodeCursor(cursor, isMessageCursor);
        const at = new Date(after.t);
        // Strictly after the last message returned, in (timestamp desc, _id desc) order.
        filter.$or = [{ timestamp: { $lt: at } }, { timestamp: at, _id: { $lt: after.i } }];
      }
      const docs = await Message.find(filter).sort(NEWEST_FIRST).limit(limit + 1).maxTimeMS(QUERY_TIME_MS).lean<MessageDoc[]>();
      const hasMore = docs.length > limit;
      const page = hasMore ? docs.slice(0, limit) : docs;
      const last = page[page.length - 1];
      return {
        data: page.map(messageView),
        pagination: { limit, nextCursor: hasMore && last ? encodeCursor({ t: new Date(last.timestamp).getTime(), i: last._id }) : null, hasMore },
      };
    },

    async byPage(organizationId: string, filters: MessageFilters, limit: number, page: number): Promise<NumberedPage> {
      const filter = baseFilter(organizationId, filters);
      const [docs, total] = await Promise.all([
        Message.find(filter).sort(NEWEST_FIRST).skip((page - 1) * limit).limit(limit).maxTimeMS(QUERY_TIME_MS).lean<MessageDoc[]>(),
        Message.countDocuments(filter).maxTimeMS(QUERY_TIME_MS),
      ]);
      return { data: docs.map(messageView), pagination: { page, limit, total, pages: Math.ceil(total / limit) } };
    },

    async byId(organizationId: string, id: string): Promise<MessageView> {
      const doc = /^msg_[0-9a-f]{24}$/.test(id) ? await Message.findOne({ _id: id, organizationId }).maxTimeMS(QUERY_TIME_MS).lean<MessageDoc>() : null;
      if (!doc) throw notFound('message_not_found', `No message ${id}`);
      return messageView(doc);
    },
  };
}

export type MessageQuery = ReturnType<typeof messageQuery>;
