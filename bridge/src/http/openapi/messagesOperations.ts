import { z } from 'zod';
import { idempotencyKey, listMessagesQuery, sendMessageBody, sessionName } from '../routes/messages/schemas.ts';
import {
  messageCursorPageResponse,
  messageListResponse,
  messageNumberedPageResponse,
  messageResponse,
  sendAcceptedResponse,
} from '../routes/messages/responses.ts';
import { component } from './components.ts';
import type { Operation } from './operation.ts';

/** routes/messages/router.ts: sending through a session, and looking messages up. */

const Message = component('Message', messageResponse, 'A stored message, sent or received (docs/messages.md).');
component('MessageCursorPage', messageCursorPageResponse, 'A page of messages and the cursor of the next one.');
component('MessageNumberedPage', messageNumberedPageResponse, 'Page `page` of the messages, with the total.');

// The routes parse exactly these (the :name with the messages' own session-name schema).
const sendParams = z.object({ name: sessionName });
const sendHeaders = z.object({ 'Idempotency-Key': idempotencyKey.optional() });
// GET /v1/messages/:id checks the id itself: one that cannot exist is 404.
const messageParams = z.object({ id: z.string() });

export const messagesOperations: Operation[] = [
  {
    method: 'post',
    path: '/v1/sessions/:name/messages',
    operationId: 'sendMessage',
    tag: 'Messages',
    summary: 'Send a message',
    description:
      'Exactly one of `text`, `image`, `video`, `audio`, `document` (each `url` or `base64`), `location` or `reaction`; optionally `quotedMessageId`. ' +
      '`to` is a phone number in international format or a JID. With an `Idempotency-Key`, a retry answers as the first request did. ' +
      'The body may be up to 24 MiB (media as base64).',
    access: 'organization',
    params: sendParams,
    headers: sendHeaders,
    body: sendMessageBody,
    parameterDescriptions: {
      name: "The session's name.",
      'Idempotency-Key': 'Makes the send safe to retry: the same key and body answer with the first outcome (the key is kept for 24 h).',
    },
    responses: { 202: { description: 'Accepted by WhatsApp, or pending while its answer is awaited.', json: component('SendAccepted', sendAcceptedResponse) } },
    errors: [404, 409, 422, 502, 504],
  },
  {
    method: 'get',
    path: '/v1/messages',
    operationId: 'listMessages',
    tag: 'Messages',
    summary: 'List messages',
    description:
      'Newest first, stable under equal timestamps. Without `page`: cursor pages (pass `pagination.nextCursor` as `cursor`). ' +
      'With `page`: numbered pages with `total` and `pages`. `cursor` and `page` exclude each other; `since` must not be after `until`.',
    access: 'organization',
    query: listMessagesQuery,
    parameterDescriptions: {
      chat: 'A chat JID, a LID, or a phone number (its 1:1 chat).',
      since: 'ISO-8601 date or time, inclusive.',
      until: 'ISO-8601 date or time, inclusive.',
      cursor: '`pagination.nextCursor` of the previous page, as is.',
      page: 'A page number (from 1): switches to numbered pages.',
    },
    responses: { 200: { description: 'A page of messages.', json: component('MessageList', messageListResponse, 'A cursor page, or a numbered page when `page` is given.') } },
    errors: [],
  },
  {
    method: 'get',
    path: '/v1/messages/:id',
    operationId: 'getMessage',
    tag: 'Messages',
    summary: 'Get a message',
    access: 'organization',
    params: messageParams,
    parameterDescriptions: { id: "The bridge's id (`msg_…`)." },
    responses: { 200: { description: 'The message.', json: Message } },
    errors: [404],
  },
];
