import type { Models } from '../models/index.ts';
import type { WebhookDisabledReason } from '../models/webhook.ts';
import type { WebhookMetrics } from './webhookMetrics.ts';

/**
 * Tracks whether an endpoint works: `failingSince` is the first failure after the last success.
 * An endpoint that has been failing for `disableAfterMs` (5 days) is disabled, as is one that
 * answered 410 Gone. Writes are conditional so the common case (healthy, already recorded) is cheap.
 */
export interface EndpointHealth {
  succeeded(webhookId: string): Promise<void>;
  /** Records a failure; true when the endpoint was disabled by it. */
  failed(webhookId: string): Promise<boolean>;
  disable(webhookId: string, reason: WebhookDisabledReason): Promise<boolean>;
}

/** A success is written at most this often per endpoint (lastSuccessAt is informational). */
const SUCCESS_WRITE_INTERVAL_MS = 60_000;

export function endpointHealth(models: Models, metrics: WebhookMetrics, disableAfterMs: number): EndpointHealth {
  async function disable(webhookId: string, reason: WebhookDisabledReason, extra: Record<string, unknown> = {}): Promise<boolean> {
    const now = new Date();
    const res = await models.Webhook.updateOne({ _id: webhookId, enabled: true, ...extra }, { $set: { enabled: false, disabledReason: reason, disabledAt: now } });
    if (res.modifiedCount === 1) metrics.disabled.inc({ reason });
    return res.modifiedCount === 1;
  }
  return {
    async succeeded(webhookId) {
      const now = new Date();
      await models.Webhook.updateOne(
        { _id: webhookId, $or: [{ failingSince: { $ne: null } }, { lastSuccessAt: null }, { lastSuccessAt: { $lt: new Date(now.getTime() - SUCCESS_WRITE_INTERVAL_MS) } }] },
        { $set: { failingSince: null, lastSuccessAt: now } },
      );
    },
    async failed(webhookId) {
      const now = new Date();
      await models.Webhook.updateOne({ _id: webhookId, failingSince: null }, { $set: { failingSince: now } });
      return await disable(webhookId, 'failing', { failingSince: { $lte: new Date(now.getTime() - disableAfterMs) } });
    },
    disable: (webhookId, reason) => disable(webhookId, reason),
  };
}
