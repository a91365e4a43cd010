import { z } from 'zod';
import { createWebhookBody, deliveryId, listDeliveriesQuery, recoverBody, updateWebhookBody, webhookId } from '../routes/webhooks/schemas.ts';
import {
  deliveryPageResponse,
  deliveryResponse,
  recoverResponse,
  webhookListResponse,
  webhookResponse,
  webhookTestResponse,
  webhookWithSecretResponse,
} from '../routes/webhooks/responses.ts';
import { component } from './components.ts';
import type { Operation } from './operation.ts';

/** routes/webhooks/router.ts: endpoints, their attempt log and replays. */

const Webhook = component('Webhook', webhookResponse, 'A webhook endpoint (never with its secret).');
const WebhookWithSecret = component('WebhookWithSecret', webhookWithSecretResponse, 'A webhook with its signing secret (`whsec_…`), shown only on creation and rotation.');
const Delivery = component('Delivery', deliveryResponse, "One event's delivery to one webhook, with every attempt.");

// The ids the router checks (idParam): one that cannot exist is 404 like one that does not.
const webhookParams = z.object({ id: webhookId });
const deliveryParams = z.object({ id: webhookId, deliveryId });
const ids = { id: "The webhook's id (`whk_…`).", deliveryId: "The delivery's id (`dlv_…`)." };

export const webhooksOperations: Operation[] = [
  {
    method: 'post',
    path: '/v1/webhooks',
    operationId: 'createWebhook',
    tag: 'Webhooks',
    summary: 'Create a webhook',
    description:
      'Deliveries are signed per Standard Webhooks with the returned `secret`. `sessions` limits it to those sessions (omit or null: every session). ' +
      'The URL must reach a public address unless WEBHOOK_ALLOW_PRIVATE_NETWORKS=true.',
    access: 'organization',
    body: createWebhookBody,
    responses: { 201: { description: 'Created; `secret` is shown only now.', json: WebhookWithSecret } },
    errors: [422],
  },
  {
    method: 'get',
    path: '/v1/webhooks',
    operationId: 'listWebhooks',
    tag: 'Webhooks',
    summary: 'List webhooks',
    access: 'organization',
    responses: { 200: { description: 'Every webhook, in creation order.', json: component('WebhookList', webhookListResponse) } },
    errors: [],
  },
  {
    method: 'get',
    path: '/v1/webhooks/:id',
    operationId: 'getWebhook',
    tag: 'Webhooks',
    summary: 'Get a webhook',
    access: 'organization',
    params: webhookParams,
    parameterDescriptions: ids,
    responses: { 200: { description: 'The webhook.', json: Webhook } },
    errors: [404],
  },
  {
    method: 'patch',
    path: '/v1/webhooks/:id',
    operationId: 'updateWebhook',
    tag: 'Webhooks',
    summary: 'Change a webhook',
    description: 'Any of `url`, `events`, `sessions`, `description`, `enabled` (at least one). Re-enabling clears `disabledReason`.',
    access: 'organization',
    params: webhookParams,
    parameterDescriptions: ids,
    body: updateWebhookBody,
    responses: { 200: { description: 'The webhook after the change.', json: Webhook } },
    errors: [404, 422],
  },
  {
    method: 'delete',
    path: '/v1/webhooks/:id',
    operationId: 'deleteWebhook',
    tag: 'Webhooks',
    summary: 'Delete a webhook',
    access: 'organization',
    params: webhookParams,
    parameterDescriptions: ids,
    responses: { 204: { description: 'Deleted; nothing more is delivered to it.' } },
    errors: [404],
  },
  {
    method: 'post',
    path: '/v1/webhooks/:id/rotate-secret',
    operationId: 'rotateWebhookSecret',
    tag: 'Webhooks',
    summary: "Rotate a webhook's secret",
    description: 'The old secret keeps signing beside the new one for 24 h (`previousSecretExpiresAt`).',
    access: 'organization',
    params: webhookParams,
    parameterDescriptions: ids,
    responses: { 200: { description: 'The webhook with its new secret (shown only now).', json: WebhookWithSecret } },
    errors: [404, 409],
  },
  {
    method: 'post',
    path: '/v1/webhooks/:id/test',
    operationId: 'testWebhook',
    tag: 'Webhooks',
    summary: 'Send a test event',
    description: 'A `webhook.test` event to this webhook only, through the normal delivery path.',
    access: 'organization',
    params: webhookParams,
    parameterDescriptions: ids,
    responses: { 202: { description: 'Queued; follow it with GET …/deliveries/{deliveryId}.', json: component('WebhookTest', webhookTestResponse) } },
    errors: [404, 409],
  },
  {
    method: 'get',
    path: '/v1/webhooks/:id/deliveries',
    operationId: 'listDeliveries',
    tag: 'Webhooks',
    summary: "List a webhook's deliveries",
    description: 'The attempt log, newest first, cursor paged.',
    access: 'organization',
    params: webhookParams,
    query: listDeliveriesQuery,
    parameterDescriptions: { ...ids, cursor: '`pagination.nextCursor` of the previous page.' },
    responses: { 200: { description: 'A page of deliveries.', json: component('DeliveryPage', deliveryPageResponse) } },
    errors: [404],
  },
  {
    method: 'get',
    path: '/v1/webhooks/:id/deliveries/:deliveryId',
    operationId: 'getDelivery',
    tag: 'Webhooks',
    summary: 'Get a delivery',
    access: 'organization',
    params: deliveryParams,
    parameterDescriptions: ids,
    responses: { 200: { description: 'The delivery and its attempts.', json: Delivery } },
    errors: [404],
  },
  {
    method: 'post',
    path: '/v1/webhooks/:id/deliveries/:deliveryId/retry',
    operationId: 'retryDelivery',
    tag: 'Webhooks',
    summary: 'Replay a delivery',
    description: 'Sends a finished (failed or succeeded) delivery again; a pending one is retried on schedule (409).',
    access: 'organization',
    params: deliveryParams,
    parameterDescriptions: ids,
    responses: { 202: { description: 'Queued again.', json: Delivery } },
    errors: [404, 409],
  },
  {
    method: 'post',
    path: '/v1/webhooks/:id/recover',
    operationId: 'recoverDeliveries',
    tag: 'Webhooks',
    summary: 'Replay failed deliveries since a time',
    access: 'organization',
    params: webhookParams,
    parameterDescriptions: ids,
    body: recoverBody,
    responses: { 202: { description: 'How many failed deliveries were queued again.', json: component('Recovered', recoverResponse) } },
    errors: [404, 409],
  },
];
