import { z } from 'zod';
import { DELIVERY_STATUSES } from '../../../models/delivery.ts';
import type { WebhookRegistry, WebhookView } from '../../../webhooks/webhookRegistry.ts';
import type { DeliveryLog, DeliveryPage, DeliveryView } from '../../../webhooks/deliveryLog.ts';
import type { Assert, Same } from '../../openapi/sameShape.ts';
import { isoTime } from '../../openapi/components.ts';
import { deliveryId, webhookId } from './schemas.ts';

/** What the webhook routes answer (the OpenAPI document's response schemas; requests are in schemas.ts). */


export const webhookResponse = z.object({
  id: webhookId,
  url: z.string(),
  /** The subscribed event types (see the request's `events`). */
  events: z.array(z.string()),
  /** The session names it is limited to; null for every session. */
  sessions: z.array(z.string()).nullable(),
  description: z.string().nullable(),
  enabled: z.boolean(),
  disabledReason: z.string().nullable(),
  disabledAt: isoTime.nullable(),
  failingSince: isoTime.nullable(),
  lastSuccessAt: isoTime.nullable(),
  /** While set, deliveries are signed with the rotated-out secret too. */
  previousSecretExpiresAt: isoTime.nullable(),
  createdAt: isoTime,
  updatedAt: isoTime,
});
export type WebhookResponseIsWebhookView = Assert<Same<z.output<typeof webhookResponse>, WebhookView>>;

/** Creation and rotation show the signing secret, and only they do. */
export const webhookWithSecretResponse = webhookResponse.extend({ secret: z.string().startsWith('whsec_') });
export type WebhookWithSecretIsViewAndSecret = Assert<Same<z.output<typeof webhookWithSecretResponse>, WebhookView & { secret: string }>>;

export const webhookListResponse = z.object({ data: z.array(webhookResponse) });

export const webhookTestResponse = z.object({ eventId: z.string().startsWith('evt_'), deliveryId });
export type WebhookTestIsSentTest = Assert<Same<z.output<typeof webhookTestResponse>, Awaited<ReturnType<WebhookRegistry['sendTest']>>>>;

export const deliveryResponse = z.object({
  id: deliveryId,
  webhookId,
  eventId: z.string(),
  /** One of EVENT_TYPES, or `webhook.test`. */
  eventType: z.string(),
  session: z.string().nullable(),
  status: z.enum(DELIVERY_STATUSES),
  attemptCount: z.number().int().min(0),
  attempts: z.array(
    z.object({
      at: isoTime,
      /** null when no response came back (timeout, refused, blocked). */
      statusCode: z.number().int().nullable(),
      durationMs: z.number().min(0),
      error: z.string().nullable(),
      /** The first bytes of the response body. */
      response: z.string().nullable(),
    }),
  ),
  nextAttemptAt: isoTime.nullable(),
  lastError: z.string().nullable(),
  createdAt: isoTime,
  updatedAt: isoTime,
  completedAt: isoTime.nullable(),
});
export type DeliveryResponseIsDeliveryView = Assert<Same<z.output<typeof deliveryResponse>, DeliveryView>>;

export const deliveryPageResponse = z.object({
  data: z.array(deliveryResponse),
  pagination: z.object({ limit: z.number().int(), nextCursor: deliveryId.nullable(), hasMore: z.boolean() }),
});
export type DeliveryPageIsDeliveryListing = Assert<Same<z.output<typeof deliveryPageResponse>, DeliveryPage>>;

export const recoverResponse = z.object({ replayed: z.number().int().min(0) });
export type RecoverResponseIsRecovered = Assert<Same<z.output<typeof recoverResponse>, Awaited<ReturnType<DeliveryLog['recover']>>>>;
