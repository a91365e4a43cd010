import { Schema, type Connection, type Model } from 'mongoose';

/** A recorded event (the outbox that webhook delivery reads). */
export interface EventDoc {
  _id: string;
  organizationId: string;
  type: string;
  session: string | null;
  data: Record<string, unknown>;
  timestamp: Date;
  /** Unique per organization: recording the same thing twice yields one event. */
  dedupeKey: string;
  /** Set once deliveries for every matching webhook have been enqueued. */
  dispatchedAt: Date | null;
  /** Removed by the TTL index after this (events/retention.ts). */
  expiresAt: Date;
}

const eventSchema = new Schema<EventDoc>(
  {
    _id: { type: String, required: true },
    organizationId: { type: String, required: true },
    type: { type: String, required: true },
    session: { type: String, default: null },
    data: { type: Schema.Types.Mixed, required: true },
    timestamp: { type: Date, required: true },
    dedupeKey: { type: String, required: true },
    dispatchedAt: { type: Date, default: null },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false, minimize: false },
);
eventSchema.index({ organizationId: 1, dedupeKey: 1 }, { unique: true });
eventSchema.index({ dispatchedAt: 1, timestamp: 1 });
eventSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export function eventModel(connection: Connection): Model<EventDoc> {
  return connection.model<EventDoc>('Event', eventSchema, 'events');
}
