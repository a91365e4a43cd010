import type { AnyMessageContent, MiscMessageGenerationOptions, WAMessage } from '@whiskeysockets/baileys';
import type { Logger } from '../infra/logger.ts';
import type { Models } from '../models/index.ts';
import type { SessionDoc, SessionReceive, SessionStatus } from '../models/session.ts';
import { newId } from '../infra/ids.ts';
import { withDeadline } from '../infra/deadline.ts';
import { isDuplicateKey } from '../infra/duplicateKey.ts';
import { runListing } from '../infra/listing.ts';
import { conflict, notFound } from '../errors.ts';
import type { AuthStateStore } from './authStateStore.ts';
import type { QrStore } from './qrStore.ts';
import type { SessionStatusStore } from './sessionStatus.ts';
import type { SessionOwnership } from './sessionOwnership.ts';
import type { LocalSessions } from './localSessions.ts';
import type { OwnerCommands } from './ownerCommands.ts';
import type { PairingGrant } from './pairingLinks.ts';
import { DEFAULT_RECEIVE, sessionListing, toView, type SessionView } from './sessionView.ts';

const DB_MS = 10_000;

/** Statuses in which a session that should run is on its way to a QR code (or shows one). */
const PAIRING_UNDER_WAY: readonly SessionStatus[] = ['starting', 'qr_ready', 'connecting', 'reconnecting'];

export const PAIRING_LINK_INVALID = 'This pairing link is invalid or has expired. Ask for a new one.';

/** What POST /pair/:token/restart did: `restarted` is false when the session was already on its way to a code. */
export interface PairingRestart {
  name: string;
  status: SessionStatus;
  restarted: boolean;
}

export interface SessionServiceDeps {
  models: Models;
  log: Logger;
  authStore: AuthStateStore;
  qr: QrStore;
  status: SessionStatusStore;
  ownership: SessionOwnership;
  local: LocalSessions;
  commands: OwnerCommands;
  /** What a session receives unless it says otherwise (the deployment's WA_HISTORY_SYNC for history). */
  receiveDefaults?: SessionReceive;
}

/**
 * The sessions' use cases, as the API calls them: each finds the session of the organization
 * by name, and acts on the owning instance through the owner commands, or on the stored session
 * when no instance owns it.
 */
export function sessionService(deps: SessionServiceDeps) {
  const { models, log, authStore, qr, status, ownership, local, commands } = deps;
  const defaults = deps.receiveDefaults ?? DEFAULT_RECEIVE;
  const { Session } = models;

  async function find(organizationId: string, name: string): Promise<SessionDoc> {
    const doc = await withDeadline(Session.findOne({ organizationId, name }).lean<SessionDoc>(), DB_MS, 'session lookup');
    if (!doc) throw notFound('session_not_found', `No session named "${name}".`);
    return doc;
  }

  const view = async (organizationId: string, name: string): Promise<SessionView> => toView(await find(organizationId, name), defaults);

  /** Starts the socket here, unless another instance owns it or takes it (at capacity: the next claim pass). */
  async function startSession(doc: SessionDoc): Promise<void> {
    await Session.updateOne({ _id: doc._id }, { $set: { desiredState: 'running' } });
    if (local.get(doc._id) || (await ownership.owner(doc._id))) return;
    const taken = await ownership.acquire(doc);
    if (taken && (await local.adopt(taken.doc, taken.lease))) return;
    if (taken) ownership.release(doc._id);
    await status.writeUnowned({ ...doc, desiredState: 'running' }, 'starting', {}, 'started_by_user');
  }

  async function logoutSession(doc: SessionDoc): Promise<void> {
    await commands.run(doc._id, 'logout', {}, async () => {
      await authStore.wipe(doc._id);
      await qr.clear(doc._id).catch(() => undefined);
      await status.writeUnowned(doc, 'logged_out', { desiredState: 'stopped', phoneNumber: null, pushName: null, reconnectAttempts: 0, nextReconnectAt: null, lastDisconnectReason: 'logged_out' }, 'logged_out');
    });
  }

  async function findById(sessionId: string): Promise<SessionDoc | null> {
    return await withDeadline(Session.findById(sessionId).lean<SessionDoc>(), DB_MS, 'session lookup');
  }

  /**
   * The session a pairing link may act on: the link's own, only while it is unpaired, and only if
   * it was not paired since the link was issued (a link that paired a session, which was then
   * logged out, does not pair it again: ask for a new link).
   */
  async function unpairedSessionOf(grant: PairingGrant): Promise<SessionDoc> {
    const doc = await findById(grant.sessionId);
    if (!doc) throw notFound('pairing_link_invalid', PAIRING_LINK_INVALID);
    if (doc.status === 'connected' || doc.phoneNumber) {
      throw conflict('session_already_paired', 'This session is already linked to a phone; the pairing link no longer applies.', { status: doc.status });
    }
    if (grant.issuedAt && doc.lastConnectedAt && new Date(doc.lastConnectedAt).getTime() >= grant.issuedAt.getTime()) {
      throw conflict('pairing_link_used', 'This pairing link was used already: the session was linked after the link was issued. Ask for a new link.', { status: doc.status });
    }
    return doc;
  }

  return {
    find,
    get: view,

    findById,

    /**
     * A pairing link's "fresh code": starts an unpaired session whose codes ran out (stopped, failed
     * or logged out) again, so it shows new QR codes. A session already on its way to a code is
     * left as it is.
     */
    async restartPairing(grant: PairingGrant): Promise<PairingRestart> {
      const doc = await unpairedSessionOf(grant);
      if (doc.desiredState === 'running' && PAIRING_UNDER_WAY.includes(doc.status)) return { name: doc.name, status: doc.status, restarted: false };
      await startSession(doc);
      const now = await findById(doc._id);
      if (!now) throw notFound('pairing_link_invalid', PAIRING_LINK_INVALID);
      return { name: now.name, status: now.status, restarted: true };
    },

    /** A pairing link's "link with phone number instead": the 8-character code for that number. */
    async requestPairingCodeByLink(grant: PairingGrant, phoneNumber: string): Promise<string> {
      const doc = await unpairedSessionOf(grant);
      return await commands.run(doc._id, 'pairingCode', { phoneNumber }, async () => {
        throw conflict('session_not_running', 'The session is not running: get a fresh code first, then ask for a pairing code.', { status: doc.status });
      });
    },

    async create(organizationId: string, name: string, { start, receive }: { start: boolean; receive?: Partial<SessionReceive> }): Promise<SessionView> {
      const now = new Date();
      const doc: SessionDoc = {
        _id: newId('ses'),
        organizationId,
        name,
        status: 'stopped',
        desiredState: 'stopped',
        phoneNumber: null,
        pushName: null,
        lastConnectedAt: null,
        lastDisconnectedAt: null,
        lastDisconnectReason: null,
        reconnectAttempts: 0,
        nextReconnectAt: null,
        fencingToken: 0,
        owner: null,
        receive: { ...defaults, ...receive },
        createdAt: now,
        updatedAt: now,
      };
      try {
        await Session.collection.insertOne(doc as unknown as Parameters<typeof Session.collection.insertOne>[0]);
      } catch (error) {
        if (isDuplicateKey(error)) throw conflict('session_exists', `A session named "${name}" already exists.`);
        throw error;
      }
      if (start) await startSession(doc);
      return await view(organizationId, name);
    },

    async list(organizationId: string): Promise<SessionView[]> {
      const docs = await withDeadline(runListing<SessionDoc>(Session, sessionListing(organizationId)), DB_MS, 'session list');
      return docs.map((doc) => toView(doc, defaults));
    },

    /** Settings that take effect at once (the socket sink reads them per message). */
    async update(organizationId: string, name: string, { receive }: { receive: Partial<SessionReceive> }): Promise<SessionView> {
      const doc = await find(organizationId, name);
      const merged = { ...defaults, ...doc.receive, ...receive };
      await withDeadline(Session.updateOne({ _id: doc._id }, { $set: { receive: merged, updatedAt: new Date() } }), DB_MS, 'session update');
      return await view(organizationId, name);
    },

    async start(organizationId: string, name: string): Promise<SessionView> {
      await startSession(await find(organizationId, name));
      return await view(organizationId, name);
    },

    async stop(organizationId: string, name: string): Promise<SessionView> {
      const doc = await find(organizationId, name);
      await Session.updateOne({ _id: doc._id }, { $set: { desiredState: 'stopped' } });
      await commands.run(doc._id, 'stop', {}, async () => {
        await status.writeUnowned(doc, 'stopped', { reconnectAttempts: 0, nextReconnectAt: null }, 'stopped_by_user');
      });
      return await view(organizationId, name);
    },

    async restart(organizationId: string, name: string): Promise<SessionView> {
      const doc = await find(organizationId, name);
      await commands.run(doc._id, 'restart', {}, () => startSession(doc));
      return await view(organizationId, name);
    },

    async logout(organizationId: string, name: string): Promise<SessionView> {
      await logoutSession(await find(organizationId, name));
      return await view(organizationId, name);
    },

    async remove(organizationId: string, name: string, purge: boolean): Promise<void> {
      const doc = await find(organizationId, name);
      await Session.updateOne({ _id: doc._id }, { $set: { desiredState: 'stopped' } });
      await logoutSession(doc).catch((err: unknown) => log.warn({ err, session: name }, 'logout during delete failed; wiping anyway'));
      await authStore.wipe(doc._id);
      // deleteMany: a single-document delete racing a status write deletes nothing on DocumentDB (docs/database.md).
      await Session.deleteMany({ _id: doc._id });
      await ownership.forgetLease(doc._id).catch(() => undefined);
      if (purge) {
        for (const collection of ['messages', 'contacts']) {
          await Session.db.collection(collection).deleteMany({ organizationId, session: name });
        }
      }
    },

    async requestPairingCode(organizationId: string, name: string, phoneNumber: string): Promise<string> {
      const doc = await find(organizationId, name);
      return await commands.run(doc._id, 'pairingCode', { phoneNumber }, async () => {
        throw conflict('session_not_running', 'The session is not running; start it first, then request a pairing code.');
      });
    },

    async sendMessage(organizationId: string, name: string, jid: string, content: AnyMessageContent, options?: MiscMessageGenerationOptions): Promise<WAMessage> {
      const doc = await find(organizationId, name);
      return await commands.run(doc._id, 'send', { jid, content, options }, async () => {
        throw conflict('session_not_connected', 'The session is not connected.', { status: doc.status });
      });
    },
  };
}

export type SessionService = ReturnType<typeof sessionService>;
