import { Schema, type Connection, type Model } from 'mongoose';

/**
 * An Idempotency-Key seen on a send: claimed (state `in_progress`) by inserting this document
 * before anything is sent, so of two concurrent requests with the same key only one can send;
 * then completed with the result that every retry gets back.
 */
export interface IdempotencyKeyDoc {
  _id: string;
  organizationId: string;
  session: string;
  key: string;
  /** SHA-256 of the request body: the same key with another body is refused. */
  requestHash: string;
  state: 'in_progress' | 'completed';
  /** What the first request's operation came to (the send's outcome), returned to every retry. */
  result: Record<string, unknown> | null;
  createdAt: Date;
  /** Set by each claim: only the request that holds the claim completes or releases it. */
  claimToken: string;
  /**
   * When MongoDB's TTL monitor removes the key: shortly after the send deadline while in
   * progress (a claim left by a crash does not block the key for long), a day after completion.
   */
  expiresAt: Date;
}

const idempotencyKeySchema = new Schema<IdempotencyKeyDoc>(
  {
    _id: { type: String, required: true },
    organizationId: { type: String, required: true },
    session: { type: String, required: true },
    key: { type: String, required: true },
    requestHash: { type: String, required: true },
    state: { type: String, enum: ['in_progress', 'completed'], required: true },
    result: { type: Schema.Types.Mixed, default: null },
    createdAt: { type: Date, required: true },
    claimToken: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false, minimize: false },
);
idempotencyKeySchema.index({ organizationId: 1, session: 1, key: 1 }, { unique: true });
// TTL: MongoDB (and DocumentDB, through pg_cron) deletes a key within about a minute of expiresAt.
idempotencyKeySchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export function idempotencyKeyModel(connection: Connection): Model<IdempotencyKeyDoc> {
  return connection.model<IdempotencyKeyDoc>('IdempotencyKey', idempotencyKeySchema, 'idempotency_keys');
}
