import { Schema, type Connection, type Model } from 'mongoose';

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One HTTP attempt; `statusCode` is null when no response came back (timeout, refused, blocked). */
export interface DeliveryAttempt {
  at: Date;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  /** The first bytes of the response body. */
  response: string | null;
}

/**
 * The delivery of one event to one webhook: unique per (eventId, webhookId), so however often an
 * event is fanned out, each matching webhook gets one delivery. `round` counts manual replays; the
 * queue job id includes it, so a replay is a new job while a duplicate enqueue is not.
 */
export interface DeliveryDoc {
  _id: string;
  organizationId: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  session: string | null;
  status: DeliveryStatus;
  round: number;
  /** Attempts made in the current round (the retry schedule restarts with each replay). */
  roundAttempts: number;
  attemptCount: number;
  attempts: DeliveryAttempt[];
  nextAttemptAt: Date | null;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
  /** Set when the delivery finishes; the TTL index removes it then (events/retention.ts). */
  expiresAt: Date | null;
}

const attemptSchema = new Schema<DeliveryAttempt>(
  {
    at: { type: Date, required: true },
    statusCode: { type: Number, default: null },
    durationMs: { type: Number, required: true },
    error: { type: String, default: null },
    response: { type: String, default: null },
  },
  { _id: false },
);

const deliverySchema = new Schema<DeliveryDoc>(
  {
    _id: { type: String, required: true },
    organizationId: { type: String, required: true },
    webhookId: { type: String, required: true },
    eventId: { type: String, required: true },
    eventType: { type: String, required: true },
    session: { type: String, default: null },
    status: { type: String, required: true, enum: DELIVERY_STATUSES },
    round: { type: Number, required: true, default: 0 },
    roundAttempts: { type: Number, required: true, default: 0 },
    attemptCount: { type: Number, required: true, default: 0 },
    attempts: { type: [attemptSchema], default: [] },
    nextAttemptAt: { type: Date, default: null },
    lastError: { type: String, default: null },
    completedAt: { type: Date, default: null },
    expiresAt: { type: Date, default: null },
  },
  { timestamps: true, versionKey: false, minimize: false },
);
// Invariant 3: one delivery per (event, webhook).
deliverySchema.index({ eventId: 1, webhookId: 1 }, { unique: true });
// Attempt log, newest first, optionally by status.
deliverySchema.index({ webhookId: 1, _id: -1 });
deliverySchema.index({ webhookId: 1, status: 1, _id: -1 });
// The overdue sweep (pending deliveries whose job was lost).
deliverySchema.index({ status: 1, nextAttemptAt: 1 });
deliverySchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export function deliveryModel(connection: Connection): Model<DeliveryDoc> {
  return connection.model<DeliveryDoc>('Delivery', deliverySchema, 'webhook_deliveries');
}
