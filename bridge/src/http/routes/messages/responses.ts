import { z } from 'zod';
import { MESSAGE_STATUSES, MESSAGE_TYPES } from '../../../models/message.ts';
import type { MessageView } from '../../../messages/messageView.ts';
import type { CursorPage, NumberedPage } from '../../../messages/messageQuery.ts';
import type { SendOutcome } from '../../../messages/messageSender.ts';
import type { Assert, Same } from '../../openapi/sameShape.ts';
import { isoTime } from '../../openapi/components.ts';

/** What the message routes answer (the OpenAPI document's response schemas; requests are in schemas.ts). */


export const sendAcceptedResponse = z.object({
  /** The bridge's id (`msg_…`), for GET /v1/messages/:id. */
  id: z.string(),
  /** WhatsApp's id of the message. */
  messageId: z.string(),
  status: z.enum(MESSAGE_STATUSES),
});
export type SendAcceptedIsAcceptedOutcome = Assert<Same<z.output<typeof sendAcceptedResponse>, Omit<Extract<SendOutcome, { outcome: 'accepted' }>, 'outcome'>>>;

const media = z.object({
  mimetype: z.string().nullable(),
  fileName: z.string().nullable(),
  size: z.number().int().nullable(),
  caption: z.string().nullable(),
  seconds: z.number().nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
});

export const messageResponse = z.object({
  id: z.string(),
  session: z.string(),
  messageId: z.string(),
  /** A group JID, or the contact's phone-number JID whenever it is known (else its LID). */
  chat: z.string(),
  chatLid: z.string().nullable(),
  chatName: z.string().nullable(),
  from: z.string().nullable(),
  fromLid: z.string().nullable(),
  fromMe: z.boolean(),
  direction: z.enum(['in', 'out']),
  type: z.enum(MESSAGE_TYPES),
  text: z.string().nullable(),
  media: media.nullable(),
  location: z.object({ latitude: z.number(), longitude: z.number(), name: z.string().nullable(), address: z.string().nullable() }).nullable(),
  quotedMessageId: z.string().nullable(),
  status: z.enum(MESSAGE_STATUSES),
  timestamp: isoTime,
  createdAt: isoTime,
  pushName: z.string().nullable(),
  contacts: z.array(z.object({ displayName: z.string().nullable(), vcard: z.string().nullable() })).nullable(),
  reaction: z.object({ messageId: z.string().nullable(), emoji: z.string() }).nullable(),
  /** WhatsApp's own name for the content when `type` is `unsupported`. */
  rawType: z.string().nullable(),
  editedAt: isoTime.nullable(),
  /** Earlier texts of an edited message, oldest first. */
  edits: z.array(z.object({ text: z.string().nullable(), editedAt: isoTime })),
  deletedAt: isoTime.nullable(),
  reactions: z.array(z.object({ from: z.string(), emoji: z.string(), timestamp: isoTime })),
  poll: z
    .object({
      name: z.string().nullable(),
      options: z.array(z.string()),
      selectableCount: z.number().int(),
      votes: z.array(z.object({ voter: z.string(), options: z.array(z.string()), timestamp: isoTime })),
    })
    .nullable(),
  decryption: z.enum(['failed', 'pending']).nullable(),
});
export type MessageResponseIsMessageView = Assert<Same<z.output<typeof messageResponse>, MessageView>>;

export const messageCursorPageResponse = z.object({
  data: z.array(messageResponse),
  pagination: z.object({ limit: z.number().int(), nextCursor: z.string().nullable(), hasMore: z.boolean() }),
});
export type MessageCursorPageIsCursorPage = Assert<Same<z.output<typeof messageCursorPageResponse>, CursorPage>>;

export const messageNumberedPageResponse = z.object({
  data: z.array(messageResponse),
  pagination: z.object({ page: z.number().int(), limit: z.number().int(), total: z.number().int(), pages: z.number().int() }),
});
export type MessageNumberedPageIsNumberedPage = Assert<Same<z.output<typeof messageNumberedPageResponse>, NumberedPage>>;

/** GET /v1/messages: a cursor page, or a numbered page when `page` is given. */
export const messageListResponse = z.union([messageCursorPageResponse, messageNumberedPageResponse]);
