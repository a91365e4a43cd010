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
// No secondary index: every read and the wipe go by _id ("<sessionId>:<type>:<keyId>", a
// session's documents are one _id range), so the signal-key writes of every message maintain
// only the primary key.

export function authStateModel(connection: Connection): Model<AuthStateDoc> {
  return connection.model<AuthStateDoc>('AuthState', authStateSchema, 'auth_state');
}
