import type { mongo } from 'mongoose';
import { createHash } from 'node:crypto';
import type { Models } from '../models/index.ts';
import type { IdempotencyKeyDoc } from '../models/idempotencyKey.ts';
import { conflict, unprocessable } from '../http/errors.ts';

export interface StoredResponse {
  status: number;
  body: Record<string, unknown>;
}

export interface IdempotencyScope {
  organizationId: string;
  session: string;
  key: string;
}

export type Claim = { kind: 'claimed'; release(): Promise<void>; complete(response: StoredResponse): Promise<void> } | { kind: 'replay'; response: StoredResponse };

/** Keys older than this are forgotten (swept), so a key may be reused after a day. */
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;

function recordId(scope: IdempotencyScope): string {
  return `idem_${createHash('sha256').update([scope.organizationId, scope.session, scope.key].join('\u0001')).digest('hex').slice(0, 32)}`;
}

/**
 * Idempotency-Key handling for sends. Claiming inserts a document under a unique key before
 * anything is sent, so of two concurrent requests with one key exactly one proceeds; the other
 * gets 409 while the first runs and the first's response afterwards.
 */
export function idempotencyKeys(models: Models) {
  const IdempotencyKey = models.IdempotencyKey;
  return {
    async claim(scope: IdempotencyScope, requestBody: unknown): Promise<Claim> {
      const _id = recordId(scope);
      const requestHash = createHash('sha256').update(JSON.stringify(requestBody)).digest('hex');
      const doc: IdempotencyKeyDoc = {
        _id,
        ...scope,
        requestHash,
        state: 'in_progress',
        responseStatus: null,
        responseBody: null,
        createdAt: new Date(),
      };
      try {
        await (IdempotencyKey.collection as unknown as mongo.Collection<IdempotencyKeyDoc>).insertOne(doc);
      } catch (error) {
        if ((error as { code?: number }).code !== 11000) throw error;
        const existing = await IdempotencyKey.findOne({ _id }).lean<IdempotencyKeyDoc>();
        if (!existing) throw conflict('idempotency_key_in_progress', 'A request with this Idempotency-Key is in progress; retry shortly.');
        if (existing.requestHash !== requestHash) {
          throw unprocessable('idempotency_key_reused', 'This Idempotency-Key was used with a different request body.');
        }
        if (existing.state !== 'completed' || existing.responseStatus === null || !existing.responseBody) {
          throw conflict('idempotency_key_in_progress', 'A request with this Idempotency-Key is in progress; retry shortly.');
        }
        return { kind: 'replay', response: { status: existing.responseStatus, body: existing.responseBody } };
      }
      return {
        kind: 'claimed',
        // Nothing was sent: the key is free for a retry.
        release: async () => {
          await IdempotencyKey.deleteOne({ _id, state: 'in_progress' });
        },
        complete: async (response) => {
          await IdempotencyKey.updateOne({ _id }, { $set: { state: 'completed', responseStatus: response.status, responseBody: response.body } });
        },
      };
    },

    async sweep(now: number = Date.now()): Promise<number> {
      const result = await IdempotencyKey.deleteMany({ createdAt: { $lt: new Date(now - IDEMPOTENCY_RETENTION_MS) } });
      return result.deletedCount;
    },
  };
}

export type IdempotencyKeys = ReturnType<typeof idempotencyKeys>;
