import { Schema, type Connection, type Model, type Types } from 'mongoose';

/** An organization's API key. Only the SHA-256 hash of the key is stored, never the key. */
export interface ApiKeyDoc {
  _id: Types.ObjectId;
  organizationId: Types.ObjectId;
  name: string;
  hash: string;
  /** The first characters of the key, to recognise it in listings. */
  prefix: string;
  createdAt: Date;
  revokedAt: Date | null;
}

const apiKeySchema = new Schema<ApiKeyDoc>(
  {
    organizationId: { type: Schema.Types.ObjectId, required: true, index: true },
    name: { type: String, required: true, trim: true, maxlength: 200 },
    hash: { type: String, required: true, unique: true },
    prefix: { type: String, required: true },
    revokedAt: { type: Date, default: null },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);

export function apiKeyModel(connection: Connection): Model<ApiKeyDoc> {
  return connection.model<ApiKeyDoc>('ApiKey', apiKeySchema, 'api_keys');
}
