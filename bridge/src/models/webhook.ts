import { Schema, type Connection, type Model } from 'mongoose';

/** Why an endpoint stopped receiving deliveries. */
export type WebhookDisabledReason = 'manual' | 'gone' | 'failing';

/** A previous signing secret that keeps being used (beside the current one) until it expires. */
export interface PreviousSecret {
  sealed: string;
  expiresAt: Date;
}

/** A registered webhook endpoint of an organization. Secrets are sealed with the webhook id as context. */
export interface WebhookDoc {
  _id: string;
  organizationId: string;
  url: string;
  events: string[];
  /** Session names to deliver for; null means every session. */
  sessions: string[] | null;
  description: string | null;
  enabled: boolean;
  disabledReason: WebhookDisabledReason | null;
  disabledAt: Date | null;
  secret: string;
  previousSecret: PreviousSecret | null;
  /** First failed attempt since the last success; cleared by a success or re-enabling. */
  failingSince: Date | null;
  lastSuccessAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const webhookSchema = new Schema<WebhookDoc>(
  {
    _id: { type: String, required: true },
    organizationId: { type: String, required: true },
    url: { type: String, required: true },
    events: { type: [String], required: true },
    sessions: { type: [String], default: null },
    description: { type: String, default: null },
    enabled: { type: Boolean, required: true, default: true },
    disabledReason: { type: String, default: null },
    disabledAt: { type: Date, default: null },
    secret: { type: String, required: true },
    previousSecret: { type: new Schema<PreviousSecret>({ sealed: String, expiresAt: Date }, { _id: false }), default: null },
    failingSince: { type: Date, default: null },
    lastSuccessAt: { type: Date, default: null },
  },
  { timestamps: true, versionKey: false, minimize: false },
);
webhookSchema.index({ organizationId: 1, _id: 1 });

export function webhookModel(connection: Connection): Model<WebhookDoc> {
  return connection.model<WebhookDoc>('Webhook', webhookSchema, 'webhooks');
}
