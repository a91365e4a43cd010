import { Schema, type Connection, type Model } from 'mongoose';

/**
 * One piece of a session's Baileys auth state: the creds, or one signal key (pre-key, session,
 * sender key, app-state key…). `_id` is "<sessionId>:<type>:<keyId>"; `value` is the
 * BufferJSON serialisation sealed with AES-256-GCM, bound to that id.
 */
export interface AuthStateDoc {
  _id: string;
  sessionId: string;
  type: string;
  keyId: string;
  value: string;
  updatedAt: Date;
}

const authStateSchema = new Schema<AuthStateDoc>(
  {
    _id: { type: String, required: true },
    sessionId: { type: String, required: true },
    type: { type: String, required: true },
    keyId: { type: String, required: true },
    value: { type: String, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
authStateSchema.index({ sessionId: 1, type: 1 });

export function authStateModel(connection: Connection): Model<AuthStateDoc> {
  return connection.model<AuthStateDoc>('AuthState', authStateSchema, 'auth_state');
}
