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

/**
 * Indexes earlier versions created that nothing uses any more, dropped at start when present:
 * each costs every write (a unique one most: DocumentDB enforces it with an exclusion
 * constraint). Messages and events are unique by their _id, derived from their unique key.
 */
const RETIRED_INDEXES: Record<string, string[]> = {
  messages: ['organizationId_1_session_1_chat_1_messageId_1_fromMe_1'],
  events: ['organizationId_1_dedupeKey_1'],
  auth_state: ['sessionId_1_type_1'],
  idempotency_keys: ['createdAt_1'],
};

/** Creates the collections and indexes (unique keys are part of the data invariants). */
export async function ensureIndexes(models: Models): Promise<void> {
  for (const model of Object.values(models)) {
    await model.createCollection().catch((error: { code?: number }) => {
      if (error.code !== 48) throw error; // 48: NamespaceExists
    });
    await model.createIndexes();
    for (const name of RETIRED_INDEXES[model.collection.collectionName] ?? []) {
      await model.collection.dropIndex(name).catch((error: { code?: number; codeName?: string }) => {
        // Not there (a new database, or another instance dropped it first).
        if (error.code !== 27 && error.codeName !== 'IndexNotFound' && error.code !== 26) throw error;
      });
    }
  }
}
