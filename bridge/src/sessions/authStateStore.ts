import {
  BufferJSON,
  initAuthCreds,
  proto,
  type AuthenticationCreds,
  type AuthenticationState,
  type SignalDataSet,
  type SignalDataTypeMap,
} from '@whiskeysockets/baileys';
import type { mongo } from 'mongoose';
import type { Models } from '../models/index.ts';
import type { AuthStateDoc } from '../models/authState.ts';
import type { SecretBox } from '../infra/secretBox.ts';
import { withDeadline } from '../infra/deadline.ts';

export interface SessionAuthState {
  state: AuthenticationState;
  /** Writes the current creds; called on every `creds.update`. */
  saveCreds(): Promise<void>;
}

export interface AuthStateStore {
  /**
   * Loads (or initialises) a session's auth state. `guard` runs before every write and throws
   * when this instance no longer owns the session, so a stale owner cannot overwrite keys.
   */
  load(sessionId: string, guard?: () => Promise<void>): Promise<SessionAuthState>;
  /** Whether the session has registered (paired) creds. */
  isRegistered(sessionId: string): Promise<boolean>;
  /** Removes every creds and key document of the session. */
  wipe(sessionId: string): Promise<void>;
}

const CREDS = 'creds';

/** The raw document as the driver sees it (string ids, not mongoose's default ObjectId). */
type StoredDoc = Omit<AuthStateDoc, '_id'> & { _id: string };
const TIMEOUT_MS = 10_000;

const docId = (sessionId: string, type: string, keyId: string) => `${sessionId}:${type}:${keyId}`;

/**
 * Baileys' multi-file auth state, in MongoDB: one document per (session, key type, key id),
 * BufferJSON-serialised and sealed under BRIDGE_ENCRYPTION_KEY with the document id as context
 * (a value copied to another session or key does not open). Reads and writes go in batches.
 */
export function mongoAuthStateStore(models: Models, secrets: SecretBox): AuthStateStore {
  const { AuthState } = models;

  const seal = (id: string, value: unknown) => secrets.seal(JSON.stringify(value, BufferJSON.replacer), id);
  const open = (doc: Pick<AuthStateDoc, '_id' | 'value'>): unknown => JSON.parse(secrets.open(doc.value, doc._id).toString('utf8'), BufferJSON.reviver);

  async function readCreds(sessionId: string): Promise<AuthenticationCreds | null> {
    const id = docId(sessionId, CREDS, CREDS);
    const doc = await withDeadline(AuthState.findById(id, { value: 1 }).lean<AuthStateDoc>(), TIMEOUT_MS, 'auth state read');
    return doc ? (open(doc) as AuthenticationCreds) : null;
  }

  return {
    async load(sessionId, guard = async () => undefined) {
      const creds = (await readCreds(sessionId)) ?? initAuthCreds();

      async function get<T extends keyof SignalDataTypeMap>(type: T, ids: string[]): Promise<{ [id: string]: SignalDataTypeMap[T] }> {
        const result: { [id: string]: SignalDataTypeMap[T] } = {};
        if (!ids.length) return result;
        const docs = await withDeadline(
          AuthState.find({ _id: { $in: ids.map((keyId) => docId(sessionId, type, keyId)) } }, { value: 1, keyId: 1 }).lean<AuthStateDoc[]>(),
          TIMEOUT_MS,
          'auth state read',
        );
        for (const doc of docs) {
          let value = open(doc);
          if (type === 'app-state-sync-key' && value) value = proto.Message.AppStateSyncKeyData.fromObject(value as Record<string, unknown>);
          result[doc.keyId] = value as SignalDataTypeMap[T];
        }
        return result;
      }

      async function set(data: SignalDataSet): Promise<void> {
        const now = new Date();
        const ops: mongo.AnyBulkWriteOperation<StoredDoc>[] = [];
        for (const [type, entries] of Object.entries(data)) {
          for (const [keyId, value] of Object.entries(entries ?? {})) {
            const _id = docId(sessionId, type, keyId);
            if (value === null || value === undefined) ops.push({ deleteMany: { filter: { _id } } });
            else ops.push({ replaceOne: { filter: { _id }, replacement: { sessionId, type, keyId, value: seal(_id, value), updatedAt: now }, upsert: true } });
          }
        }
        if (!ops.length) return;
        await guard();
        // The driver's own bulkWrite: mongoose would validate, and silently skip, each replacement.
        await withDeadline((AuthState.collection as unknown as mongo.Collection<StoredDoc>).bulkWrite(ops, { ordered: false }), TIMEOUT_MS, 'auth state write');
      }

      return {
        state: { creds, keys: { get, set } },
        async saveCreds() {
          await guard();
          const _id = docId(sessionId, CREDS, CREDS);
          await withDeadline(
            (AuthState.collection as unknown as mongo.Collection<StoredDoc>).replaceOne({ _id }, { sessionId, type: CREDS, keyId: CREDS, value: seal(_id, creds), updatedAt: new Date() }, { upsert: true }),
            TIMEOUT_MS,
            'auth state write',
          );
        },
      };
    },
    async isRegistered(sessionId) {
      const creds = await readCreds(sessionId);
      return Boolean(creds?.registered || creds?.me);
    },
    async wipe(sessionId) {
      // Every id starts with "<sessionId>:", so the primary key alone finds them (';' follows ':').
      await withDeadline(AuthState.deleteMany({ _id: { $gt: `${sessionId}:`, $lt: `${sessionId};` } }), TIMEOUT_MS, 'auth state wipe');
    },
  };
}
