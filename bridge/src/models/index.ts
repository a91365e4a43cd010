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
import { lidMappingModel } from './lidMapping.ts';

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
    LidMapping: lidMappingModel(connection),
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

/**
 * Several instances starting at once create the same collections and indexes at once. MongoDB
 * takes that; DocumentDB (FerretDB 2) may abort one of them with PostgreSQL's "deadlock detected"
 * (or a serialization failure), which is worth another try: the other instance's index is there
 * or ours goes through the second time.
 */
const CONCURRENT_DDL = /deadlock detected|could not serialize access|tuple concurrently updated|concurrent(ly)? (update|index|DDL)/i;
const DDL_ATTEMPTS = 6;

async function ddl<T>(step: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (attempt >= DDL_ATTEMPTS || !CONCURRENT_DDL.test((error as Error)?.message ?? '')) throw error;
      await new Promise((r) => setTimeout(r, 50 * 2 ** attempt + Math.random() * 100));
    }
  }
}

/** Creates the collections and indexes (unique keys are part of the data invariants). */
export async function ensureIndexes(models: Models): Promise<void> {
  for (const model of Object.values(models)) {
    await ddl(() =>
      model.createCollection().catch((error: { code?: number }) => {
        if (error.code !== 48) throw error; // 48: NamespaceExists
      }),
    );
    await ddl(() => model.createIndexes());
    for (const name of RETIRED_INDEXES[model.collection.collectionName] ?? []) {
      await ddl(() =>
        model.collection.dropIndex(name).catch((error: { code?: number; codeName?: string }) => {
          // Not there (a new database, or another instance dropped it first).
          if (error.code !== 27 && error.codeName !== 'IndexNotFound' && error.code !== 26) throw error;
        }),
      );
    }
  }
}
