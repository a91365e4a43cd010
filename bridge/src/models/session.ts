import { Schema, type Connection, type Model } from 'mongoose';

export const SESSION_STATUSES = ['starting', 'qr_ready', 'connecting', 'connected', 'reconnecting', 'stopped', 'logged_out', 'failed'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/**
 * A WhatsApp session of an organization. `desiredState` is what the user asked for and what a
 * bridge restores at start-up; `status` is what the owning instance last saw. `fencingToken`
 * rises with every new owner (see sessionLease.ts); an owner whose token is no longer the
 * document's cannot write status any more.
 */
export interface SessionDoc {
  _id: string;
  organizationId: string;
  name: string;
  status: SessionStatus;
  desiredState: 'running' | 'stopped';
  phoneNumber: string | null;
  pushName: string | null;
  lastConnectedAt: Date | null;
  lastDisconnectedAt: Date | null;
  lastDisconnectReason: string | null;
  reconnectAttempts: number;
  nextReconnectAt: Date | null;
  fencingToken: number;
  /** The instance that last took the lease (informational; the lease in Redis decides). */
  owner: string | null;
  /** What the session keeps beyond chat messages (off unless asked for). */
  receive?: SessionReceive;
  createdAt: Date;
  updatedAt: Date;
}

export interface SessionReceive {
  /** Status posts (`status@broadcast`, "stories") as messages. */
  statusBroadcasts: boolean;
  /** Channel (newsletter) posts as messages. */
  newsletters: boolean;
  /**
   * What the phone's history sync keeps: `off` (only LID mappings and contacts), `recent` (the
   * recent chats WhatsApp sends a new device), `full` (asks for the full history when the session
   * pairs). Absent on sessions created before the setting: the deployment's WA_HISTORY_SYNC.
   */
  history?: HistorySync;
}

export type HistorySync = 'off' | 'recent' | 'full';

const sessionSchema = new Schema<SessionDoc>(
  {
    _id: { type: String, required: true },
    organizationId: { type: String, required: true },
    name: { type: String, required: true },
    status: { type: String, enum: SESSION_STATUSES, required: true },
    desiredState: { type: String, enum: ['running', 'stopped'], required: true },
    receive: { type: Schema.Types.Mixed, default: undefined },
    phoneNumber: { type: String, default: null },
    pushName: { type: String, default: null },
    lastConnectedAt: { type: Date, default: null },
    lastDisconnectedAt: { type: Date, default: null },
    lastDisconnectReason: { type: String, default: null },
    reconnectAttempts: { type: Number, default: 0 },
    nextReconnectAt: { type: Date, default: null },
    fencingToken: { type: Number, default: 0 },
    owner: { type: String, default: null },
  },
  { timestamps: true, versionKey: false, minimize: false },
);
sessionSchema.index({ organizationId: 1, name: 1 }, { unique: true });
// The listing walks this one: unique indexes on DocumentDB cannot return rows in order.
sessionSchema.index({ organizationId: 1, name: 1, _id: 1 });
sessionSchema.index({ desiredState: 1 });

export function sessionModel(connection: Connection): Model<SessionDoc> {
  return connection.model<SessionDoc>('Session', sessionSchema, 'sessions');
}
