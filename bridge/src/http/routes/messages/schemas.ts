import { z } from 'zod';
import { MESSAGE_TYPES } from '../../../models/message.ts';

// No WhatsApp client shows a NUL: one in outgoing text is a client's bug, answered with a 400.
const noNul = (max: number, min = 0) => z.string().min(min).max(max).refine((v) => !v.includes('\u0000'), 'must not contain NUL characters');

const mediaFields = {
  url: z.string().min(1).max(4096).optional(),
  base64: z.string().min(1).optional(),
  mimetype: z.string().regex(/^[\w.+-]+\/[\w.+-]+(\s*;.*)?$/, 'must be a MIME type such as image/jpeg').max(200),
  filename: noNul(255).optional(),
  caption: noNul(4096).optional(),
};
const oneSource = { message: 'give exactly one of url or base64' };
const media = z.object(mediaFields).strict().refine((m) => (m.url === undefined) !== (m.base64 === undefined), oneSource);
const audio = z
  .object({ ...mediaFields, ptt: z.boolean().optional() })
  .strict()
  .refine((m) => (m.url === undefined) !== (m.base64 === undefined), oneSource);

export const sendMessageBody = z
  .object({
    to: z.string().min(1).max(100),
    text: noNul(65_536, 1).optional(),
    image: media.optional(),
    video: media.optional(),
    audio: audio.optional(),
    document: media.optional(),
    location: z
      .object({
        latitude: z.number().min(-90).max(90),
        longitude: z.number().min(-180).max(180),
        name: noNul(1000).optional(),
        address: noNul(1000).optional(),
      })
      .strict()
      .optional(),
    reaction: z.object({ messageId: z.string().min(1).max(128), emoji: z.string().max(32) }).strict().optional(),
    quotedMessageId: z.string().min(1).max(128).optional(),
  })
  .strict()
  .refine((b) => ['text', 'image', 'video', 'audio', 'document', 'location', 'reaction'].filter((k) => b[k as keyof typeof b] !== undefined).length === 1, {
    message: 'give exactly one of text, image, video, audio, document, location or reaction',
  });

export type SendMessageBody = z.infer<typeof sendMessageBody>;

export const sessionName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'is not a session name');

export const idempotencyKey = z.string().min(1).max(255).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

const isoDate = z
  .string()
  .refine((v) => /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v) && !Number.isNaN(Date.parse(v)), 'must be an ISO-8601 date or time')
  .transform((v) => new Date(v));

export const listMessagesQuery = z
  .object({
    session: sessionName.optional(),
    chat: z.string().min(1).max(200).optional(),
    direction: z.enum(['in', 'out']).optional(),
    type: z.enum(MESSAGE_TYPES).optional(),
    since: isoDate.optional(),
    until: isoDate.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().min(1).max(500).optional(),
    page: z.coerce.number().int().min(1).max(1_000_000).optional(),
  })
  .strict()
  .refine((q) => !(q.cursor && q.page), { message: 'use either cursor or page, not both' })
  .refine((q) => !(q.since && q.until) || q.since <= q.until, { message: 'since must not be after until' });
