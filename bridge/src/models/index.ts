import type { Connection } from 'mongoose';
import { organizationModel } from './organization.ts';
import { apiKeyModel } from './apiKey.ts';
import { eventModel } from './event.ts';
import { webhookModel } from './webhook.ts';
import { deliveryModel } from './delivery.ts';
import { messageModel } from './message.ts';
import { contactModel } from './contact.ts';
import { idempotencyKeyModel } from './idempotencyKey.ts';
import { sessionModel } from './session.ts';
import { authStateModel } from './authState.ts';

/** Every model of the bridge, bound to one connection. Later features add theirs here. */
export function createModels(connection: Connection) {
  return {
    Organization: organizationModel(connection),
    ApiKey: apiKeyModel(connection),
    Event: eventModel(connection),
    Webhook: webhookModel(connection),
    Delivery: deliveryModel(connection),
    Message: messageModel(connection),
    Contact: contactModel(connection),
    IdempotencyKey: idempotencyKeyModel(connection),
    Session: sessionModel(connection),
    AuthState: authStateModel(connection),
  };
}

export type Models = ReturnType<typeof createModels>;

/** Creates the collections and indexes (unique keys are part of the data invariants). */
export async function ensureIndexes(models: Models): Promise<void> {
  for (const model of Object.values(models)) {
    await model.createCollection().catch((error: { code?: number }) => {
      if (error.code !== 48) throw error; // 48: NamespaceExists
    });
    await model.createIndexes();
  }
}
