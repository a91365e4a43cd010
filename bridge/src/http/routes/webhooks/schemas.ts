import { z } from 'zod';
import { EVENT_TYPES } from '../../../events/eventTypes.ts';
import { DELIVERY_STATUSES } from '../../../models/delivery.ts';

const NO_CONTROL = /^[^\p{Cc}]*$/u;

/** http(s) only, no credentials in the URL (they would end up in logs and listings). */
export const webhookUrl = z
  .string()
  .trim()
  .min(1)
  .max(2_048)
  .regex(NO_CONTROL, 'must not contain control characters')
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an absolute http:// or https:// URL' });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: 'must use http or https' });
    else if (!url.hostname) ctx.addIssue({ code: 'custom', message: 'must name a host' });
    else if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not contain a user name or password' });
  });

const eventList = z
  .array(z.enum(EVENT_TYPES))
  .min(1, 'list at least one event')
  .transform((events) => [...new Set(events)]);

const sessionList = z
  .array(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be a session name'))
  .min(1, 'omit sessions (or send null) for every session')
  .max(100)
  .transform((sessions) => [...new Set(sessions)])
  .nullable();

const description = z.string().trim().max(500).regex(NO_CONTROL, 'must not contain control characters').nullable();

export const createWebhookBody = z
  .object({ url: webhookUrl, events: eventList, sessions: sessionList.optional(), description: description.optional() })
  .strict();

export const updateWebhookBody = z
  .object({
    url: webhookUrl.optional(),
    events: eventList.optional(),
    sessions: sessionList.optional(),
    description: description.optional(),
    enabled: z.boolean().optional(),
  })
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, 'send at least one field to change');

export const webhookId = z.string().regex(/^whk_[0-9a-f]{22}$/);
export const deliveryId = z.string().regex(/^dlv_[0-9a-f]{22}$/);

export const listDeliveriesQuery = z
  .object({
    status: z.enum(DELIVERY_STATUSES).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: deliveryId.optional(),
  })
  .strict();

export const recoverBody = z
  .object({ since: z.iso.datetime({ offset: true }).transform((value) => new Date(value)) })
  .strict();
