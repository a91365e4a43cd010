import type { SecretBox } from '../infra/secretBox.ts';
import { newId } from '../infra/ids.ts';
import { listing, runListing, type Listing } from '../infra/listing.ts';
import { EVENT_RETENTION_MS, expiryAfter } from '../events/retention.ts';
import type { Models } from '../models/index.ts';
import type { WebhookDoc } from '../models/webhook.ts';
import type { EventDoc } from '../models/event.ts';
import { conflict, notFound, rejected } from '../errors.ts';
import { checkUrl, type Resolver } from '../infra/addressGuard.ts';
import { newWebhookSecret } from './webhookSecret.ts';
import type { Dispatcher } from './dispatcher.ts';
import { iso, isoOrNull } from '../infra/isoTime.ts';

/** How long a rotated-out secret keeps signing (beside the new one). */
export const PREVIOUS_SECRET_TTL_MS = 24 * 3_600_000;
/** Keeps listing and fan-out per organization bounded. */
export const MAX_WEBHOOKS_PER_ORGANIZATION = 100;

/** An organization's webhooks in creation order (their ids). */
export function webhookListing(organizationId: string): Listing {
  return listing({ filter: { organizationId }, sort: { _id: 1 }, index: { organizationId: 1, _id: 1 }, limit: MAX_WEBHOOKS_PER_ORGANIZATION });
}

export interface WebhookView {
  id: string;
  url: string;
  events: string[];
  sessions: string[] | null;
  description: string | null;
  enabled: boolean;
  disabledReason: string | null;
  disabledAt: string | null;
  failingSince: string | null;
  lastSuccessAt: string | null;
  previousSecretExpiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface NewWebhook {
  url: string;
  events: string[];
  sessions?: string[] | null;
  description?: string | null;
}

export interface WebhookPatch extends Partial<NewWebhook> {
  enabled?: boolean;
}

export function toWebhookView(doc: WebhookDoc): WebhookView {
  const previous = doc.previousSecret && doc.previousSecret.expiresAt.getTime() > Date.now() ? doc.previousSecret : null;
  return {
    id: doc._id,
    url: doc.url,
    events: doc.events,
    sessions: doc.sessions ?? null,
    description: doc.description ?? null,
    enabled: doc.enabled,
    disabledReason: doc.disabledReason ?? null,
    disabledAt: isoOrNull(doc.disabledAt),
    failingSince: isoOrNull(doc.failingSince),
    lastSuccessAt: isoOrNull(doc.lastSuccessAt),
    previousSecretExpiresAt: isoOrNull(previous?.expiresAt),
    createdAt: iso(doc.createdAt),
    updatedAt: iso(doc.updatedAt),
  };
}

export interface RegistryOptions {
  allowPrivate: boolean;
  resolver: Resolver;
  isPublic?: (address: string) => boolean;
  lookupTimeoutMs: number;
  /** Called after any endpoint is created, changed or removed here (the delivery worker's cache). */
  onChange?: () => void;
}

/** Webhook endpoints of an organization: every call is scoped by organization id (others' ids are 404). */
export function webhookRegistry(models: Models, secrets: SecretBox, dispatcher: Dispatcher, options: RegistryOptions) {
  async function assertUrlAllowed(url: string): Promise<void> {
    const check = await checkUrl(new URL(url), { allowPrivate: options.allowPrivate, resolver: options.resolver, isPublic: options.isPublic, timeoutMs: options.lookupTimeoutMs });
    if (check.ok) return;
    if (check.reason === 'unresolvable') throw rejected('webhook_url_unresolvable', `The webhook URL's host could not be resolved: ${check.message}.`);
    throw rejected(
      'webhook_url_not_allowed',
      `Webhook URLs must reach a public address (${check.message}); set WEBHOOK_ALLOW_PRIVATE_NETWORKS=true to allow private networks.`,
    );
  }

  async function find(organizationId: string, id: string): Promise<WebhookDoc> {
    const doc = await models.Webhook.findOne({ _id: id, organizationId }).lean<WebhookDoc>();
    if (!doc) throw notFound('webhook_not_found', `No webhook ${id}`);
    return doc;
  }

  return {
    find,

    async create(organizationId: string, input: NewWebhook): Promise<{ webhook: WebhookView; secret: string }> {
      await assertUrlAllowed(input.url);
      if ((await models.Webhook.countDocuments({ organizationId })) >= MAX_WEBHOOKS_PER_ORGANIZATION) {
        throw rejected('webhook_limit_reached', `An organization may register at most ${MAX_WEBHOOKS_PER_ORGANIZATION} webhooks.`);
      }
      const id = newId('whk');
      const secret = newWebhookSecret();
      const doc = await models.Webhook.create({
        _id: id,
        organizationId,
        url: input.url,
        events: input.events,
        sessions: input.sessions ?? null,
        description: input.description ?? null,
        enabled: true,
        secret: secrets.seal(secret, id),
      });
      return { webhook: toWebhookView(doc.toObject()), secret };
    },

    async list(organizationId: string): Promise<WebhookView[]> {
      const docs = await runListing<WebhookDoc>(models.Webhook, webhookListing(organizationId));
      return docs.map(toWebhookView);
    },

    async get(organizationId: string, id: string): Promise<WebhookView> {
      return toWebhookView(await find(organizationId, id));
    },

    async update(organizationId: string, id: string, patch: WebhookPatch): Promise<WebhookView> {
      await find(organizationId, id);
      if (patch.url !== undefined) await assertUrlAllowed(patch.url);
      const set: Record<string, unknown> = {};
      for (const key of ['url', 'events', 'sessions', 'description'] as const) {
        if (patch[key] !== undefined) set[key] = patch[key];
      }
      if (patch.enabled === true) Object.assign(set, { enabled: true, disabledReason: null, disabledAt: null, failingSince: null });
      if (patch.enabled === false) Object.assign(set, { enabled: false, disabledReason: 'manual', disabledAt: new Date() });
      const doc = await models.Webhook.findOneAndUpdate({ _id: id, organizationId }, { $set: set }, { returnDocument: 'after' }).lean<WebhookDoc>();
      options.onChange?.();
      if (!doc) throw notFound('webhook_not_found', `No webhook ${id}`);
      return toWebhookView(doc);
    },

    async remove(organizationId: string, id: string): Promise<void> {
      await find(organizationId, id);
      await models.Webhook.deleteMany({ _id: id, organizationId });
      options.onChange?.();
      // Queued jobs of these deliveries find nothing and end without sending.
      await models.Delivery.deleteMany({ webhookId: id });
    },

    async rotateSecret(organizationId: string, id: string): Promise<{ webhook: WebhookView; secret: string }> {
      const current = await find(organizationId, id);
      const secret = newWebhookSecret();
      const previousSecret = { sealed: current.secret, expiresAt: new Date(Date.now() + PREVIOUS_SECRET_TTL_MS) };
      // Conditional on the secret read, so two concurrent rotations cannot both keep a stale "previous".
      const doc = await models.Webhook.findOneAndUpdate(
        { _id: id, organizationId, secret: current.secret },
        { $set: { secret: secrets.seal(secret, id), previousSecret } },
        { returnDocument: 'after' },
      ).lean<WebhookDoc>();
      options.onChange?.();
      if (!doc) throw conflict('webhook_changed', 'The webhook changed while its secret was rotated; try again.');
      return { webhook: toWebhookView(doc), secret };
    },

    /** Sends a `webhook.test` event to this webhook only, through the normal delivery path. */
    async sendTest(organizationId: string, id: string): Promise<{ eventId: string; deliveryId: string }> {
      const webhook = await find(organizationId, id);
      if (!webhook.enabled) throw conflict('webhook_disabled', 'The webhook is disabled; re-enable it with PATCH {"enabled": true} first.');
      const timestamp = new Date();
      const eventId = newId('evt', timestamp.getTime());
      const event: EventDoc = {
        _id: eventId,
        organizationId,
        type: 'webhook.test',
        session: null,
        data: { webhookId: id, message: 'This is a test event from the WhatsApp bridge.' },
        timestamp,
        dedupeKey: eventId,
        // Never fanned out to other webhooks: its one delivery is created here.
        dispatchedAt: timestamp,
        expiresAt: expiryAfter(timestamp, EVENT_RETENTION_MS),
      };
      await models.Event.collection.insertOne(event as unknown as Parameters<typeof models.Event.collection.insertOne>[0]);
      const delivery = await dispatcher.deliver({ id: eventId, organizationId, type: event.type, session: null }, id);
      return { eventId, deliveryId: delivery._id };
    },
  };
}

export type WebhookRegistry = ReturnType<typeof webhookRegistry>;
