import type { mongo } from 'mongoose';
import { createHash, randomBytes } from 'node:crypto';
import type { Models } from '../models/index.ts';
import { isDuplicateKey } from '../infra/duplicateKey.ts';
import type { IdempotencyKeyDoc } from '../models/idempotencyKey.ts';
import { conflict, rejected } from '../errors.ts';


export interface IdempotencyScope {
  organizationId: string;
  session: string;
  key: string;
}

/** A stored result: plain JSON (it is a document's field). */
export type KeyResult = Record<string, unknown>;

export type Claim = { kind: 'claimed'; release(): Promise<void>; complete(result: KeyResult): Promise<void> } | { kind: 'replay'; result: KeyResult };

/** A completed key answers retries this long, then it is forgotten and may be reused. */
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;
/**
 * A claim not completed within this long (a crash between claim and send) lapses: the send
 * deadline (60 s) plus a media download (15 s) plus a margin.
 */
export const IN_PROGRESS_MS = 2 * 60 * 1000;

/** Keys completed by earlier versions stored the HTTP answer (responseStatus, responseBody); they lapse within a day. */
function legacyResult(doc: IdempotencyKeyDoc): KeyResult | null {
  const legacy = doc as unknown as { responseStatus?: number | null; responseBody?: Record<string, unknown> | null };
  if (!legacy.responseBody || !legacy.responseStatus) return null;
  return { legacyStatus: legacy.responseStatus, legacyBody: legacy.responseBody };
}

function recordId(scope: IdempotencyScope): string {
  return `idem_${createHash('sha256').update([scope.organizationId, scope.session, scope.key].join('\u0001')).digest('hex').slice(0, 32)}`;
}

/**
 * Idempotency-Key handling for sends. Claiming inserts a document under a unique key before
 * anything is sent, so of two concurrent requests with one key exactly one proceeds; the other
 * gets 409 while the first runs and the first's response afterwards. Keys expire through a TTL
 * index; one whose time has passed but that the TTL monitor has not removed yet is taken over.
 */
export function idempotencyKeys(models: Models, options: { inProgressMs?: number; retentionMs?: number } = {}) {
  const IdempotencyKey = models.IdempotencyKey;
  const inProgressMs = options.inProgressMs ?? IN_PROGRESS_MS;
  const retentionMs = options.retentionMs ?? IDEMPOTENCY_RETENTION_MS;
  const collection = IdempotencyKey.collection as unknown as mongo.Collection<IdempotencyKeyDoc>;

  function claimed(_id: string, claimToken: string): Claim {
    return {
      kind: 'claimed',
      // Nothing was sent: the key is free for a retry.
      release: async () => {
        await IdempotencyKey.deleteMany({ _id, claimToken, state: 'in_progress' });
      },
      complete: async (result) => {
        await IdempotencyKey.updateOne({ _id, claimToken }, { $set: { state: 'completed', result, expiresAt: new Date(Date.now() + retentionMs) } });
      },
    };
  }

  return {
    async claim(scope: IdempotencyScope, requestBody: unknown): Promise<Claim> {
      const _id = recordId(scope);
      const requestHash = createHash('sha256').update(JSON.stringify(requestBody)).digest('hex');
      const now = new Date();
      const doc: IdempotencyKeyDoc = {
        _id,
        ...scope,
        requestHash,
        state: 'in_progress',
        result: null,
        createdAt: now,
        claimToken: randomBytes(12).toString('hex'),
        expiresAt: new Date(now.getTime() + inProgressMs),
      };
      try {
        await collection.insertOne(doc);
        return claimed(_id, doc.claimToken);
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      const existing = await IdempotencyKey.findOne({ _id }).lean<IdempotencyKeyDoc>();
      // Keys written before expiresAt existed lapse a day after they were created.
      const expiry = existing ? new Date(existing.expiresAt ?? new Date(existing.createdAt).getTime() + retentionMs).getTime() : 0;
      if (existing && expiry <= now.getTime()) {
        // Lapsed (a claim left by a crash, or a completed key past its day): take it over, once.
        // The condition on createdAt lets only one of several concurrent claims win.
        const { _id: _, ...fields } = doc;
        const taken = await IdempotencyKey.updateOne({ _id, createdAt: existing.createdAt }, { $set: fields });
        if (taken.modifiedCount === 1) return claimed(_id, doc.claimToken);
      }
      if (!existing) throw conflict('idempotency_key_in_progress', 'A request with this Idempotency-Key is in progress; retry shortly.');
      if (existing.requestHash !== requestHash) {
        throw rejected('idempotency_key_reused', 'This Idempotency-Key was used with a different request body.');
      }
      const result = existing.state === 'completed' ? (existing.result ?? legacyResult(existing)) : null;
      if (!result) throw conflict('idempotency_key_in_progress', 'A request with this Idempotency-Key is in progress; retry shortly.');
      return { kind: 'replay', result };
    },
  };
}

export type IdempotencyKeys = ReturnType<typeof idempotencyKeys>;
