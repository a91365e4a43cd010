import { Schema, type Connection, type Model } from 'mongoose';

/**
 * An Idempotency-Key seen on a send: claimed (state `in_progress`) by inserting this document
 * before anything is sent, so of two concurrent requests with the same key only one can send;
 * then completed with the response that every retry gets back.
 */
export interface IdempotencyKeyDoc {
  _id: string;
  organizationId: string;
  session: string;
  key: string;
  /** SHA-256 of the request body: the same key with another body is refused. */
  requestHash: string;
  state: 'in_progress' | 'completed';
  responseStatus: number | null;
  responseBody: Record<string, unknown> | null;
  createdAt: Date;
}

const idempotencyKeySchema = new Schema<IdempotencyKeyDoc>(
  {
    _id: { type: String, required: true },
    organizationId: { type: String, required: true },
    session: { type: String, required: true },
    key: { type: String, required: true },
    requestHash: { type: String, required: true },
    state: { type: String, enum: ['in_progress', 'completed'], required: true },
    responseStatus: { type: Number, default: null },
    responseBody: { type: Schema.Types.Mixed, default: null },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, minimize: false },
);
idempotencyKeySchema.index({ organizationId: 1, session: 1, key: 1 }, { unique: true });
// Old keys are swept by age (no TTL indexes: not every MongoDB-compatible backend has them).
idempotencyKeySchema.index({ createdAt: 1 });

export function idempotencyKeyModel(connection: Connection): Model<IdempotencyKeyDoc> {
  return connection.model<IdempotencyKeyDoc>('IdempotencyKey', idempotencyKeySchema, 'idempotency_keys');
}
