import type { WAMessage } from '@whiskeysockets/baileys';
import type { SessionContext, SocketEventSink } from '../sessions/sessionGateway.ts';
import type { SocketEvents, WhatsAppSocket } from '../whatsapp/socket.ts';
import type { Logger } from '../infra/logger.ts';
import type { MessageDoc } from '../models/message.ts';
import type { HistorySync } from '../models/session.ts';
import type { ContactUpdate } from '../contacts/contactStore.ts';
import type { LidDirectory } from '../identity/lidDirectory.ts';
import { isGroup, isLid, isNewsletter, isPhoneNumberJid, isStatusBroadcast, userJid } from '../identity/jids.ts';
import type { InboundPipeline } from './inboundPipeline.ts';
import type { InboundJournal, JournalEntry } from './inboundJournal.ts';
import type { StatusChange } from './messageStore.ts';
import type { MessageChange } from './messageChange.ts';
import { classifyInbound, identityFromKey, type IgnoredReason, type InboundOptions, type MessageIdentity, type SessionRef } from './normalizeMessage.ts';
import { statusFromBaileys, statusFromReceipt } from './messageStatus.ts';
import type { InboundMetrics } from './inboundMetrics.ts';
import type { GroupMetadataCache } from '../groups/groupMetadataCache.ts';

type Listener<E extends keyof SocketEvents> = (arg: SocketEvents[E]) => void;

/** How long an inbound group message waits for its group's subject. */
const GROUP_LOOKUP_MS = 5_000;

export interface MessageSinkOptions {
  groups?: GroupMetadataCache;
  /**
   * The session's opt-ins (status posts, channel posts; how much history sync to store), read only
   * when such a post or a history sync arrives. Without it, history sync messages are not stored;
   * LID mappings and contacts are kept regardless.
   */
  receiveOf?: (sessionId: string) => Promise<InboundOptions & { history?: HistorySync }>;
  /** Where upserts are kept from the moment Baileys emits them until they are stored or queued. */
  journal?: InboundJournal;
}

/** How long a closing socket's sink waits for its writes to be handed to the pipeline. */
const DRAIN_MS = 10_000;

/** What reading an upsert needs of the socket (a journal replay has no socket: only who "me" was). */
type ReaderSocket = Pick<WhatsAppSocket, 'user' | 'phoneNumberForLid' | 'groupMetadata'>;

/**
 * Reads a session's upserts into stored messages and changes: identity (phone number beside the
 * LID), group subjects, opt-ins for status and channel posts. Anything it cannot read is counted.
 */
function inboundReader(deps: { lids: LidDirectory; log: Logger; metrics?: InboundMetrics; options: MessageSinkOptions }, ref: SessionRef & { sessionId: string }, socket: ReaderSocket) {
  const { lids, log, metrics, options } = deps;
  const org = ref.organizationId;
  const sessionKey = `${org}/${ref.session}`;
  /** The group's subject: cached, else asked of WhatsApp once (its failure leaves the name out). */
  async function groupName(jid: string): Promise<string | null> {
    const cache = options.groups;
    if (!cache || !socket.groupMetadata) return null;
    const cached = cache.get(sessionKey, jid);
    if (cached) return cached.subject ?? null;
    try {
      const metadata = await Promise.race([
        socket.groupMetadata(jid),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('group metadata timed out')), GROUP_LOOKUP_MS).unref()),
      ]);
      cache.set(sessionKey, metadata);
      return metadata.subject ?? null;
    } catch (err) {
      log.debug({ err, jid }, 'no group metadata');
      return null;
    }
  }

  const me = () => ({ pn: userJid(socket.user?.id), lid: userJid(socket.user?.lid) });

  /** Phone number for a LID from the key, our directory, or Baileys' own mapping store. */
  async function phoneNumberFor(lid: string): Promise<string | null> {
    const known = await lids.phoneNumberOf(org, lid).catch(() => null);
    if (known) return known;
    const fromBaileys = userJid(await socket.phoneNumberForLid?.(lid).catch(() => null));
    if (isPhoneNumberJid(fromBaileys)) {
      await lids.learn(org, [{ lid, pn: fromBaileys }]).catch(() => undefined);
      return fromBaileys;
    }
    return null;
  }

  async function identityOf(message: WAMessage): Promise<MessageIdentity> {
    const identity = identityFromKey(message.key, me());
    const learned: Array<{ lid: string; pn: string }> = [];
    if (identity.chatLid && isPhoneNumberJid(identity.chat)) learned.push({ lid: identity.chatLid, pn: identity.chat });
    if (identity.fromLid && isPhoneNumberJid(identity.from)) learned.push({ lid: identity.fromLid, pn: identity.from });
    if (learned.length) await lids.learn(org, learned);
    if (isLid(identity.chat)) {
      const pn = await phoneNumberFor(identity.chat);
      if (pn) {
        if (identity.from === identity.chat) identity.from = pn;
        identity.chat = pn;
      }
    } else if (!identity.chatLid && isPhoneNumberJid(identity.chat)) {
      identity.chatLid = lids.cachedLidOf(org, identity.chat);
      if (identity.from === identity.chat && !message.key.fromMe) identity.fromLid = identity.chatLid;
    }
    if (isLid(identity.from) && isGroup(identity.chat)) identity.from = (await phoneNumberFor(identity.from)) ?? identity.from;
    return identity;
  }

  async function readUpsert(messages: WAMessage[]) {
    const now = new Date();
    const docs: MessageDoc[] = [];
    const changes: MessageChange[] = [];
    const ignored: IgnoredReason[] = [];
    for (const message of messages) {
      try {
        const remote = message.key?.remoteJid;
        const optIns = (isStatusBroadcast(remote) || isNewsletter(remote)) && options.receiveOf ? await options.receiveOf(ref.sessionId).catch(() => ({})) : {};
        const item = classifyInbound(ref, message, await identityOf(message), now, optIns);
        if (item.kind === 'message' && isGroup(item.doc.chat)) item.doc.chatName = await groupName(item.doc.chat);
        if (item.kind === 'message') docs.push(item.doc);
        else if (item.kind === 'change') changes.push(item.change);
        else ignored.push(item.reason);
      } catch (err) {
        log.warn({ err, session: ref.session, messageId: message.key?.id }, 'could not read an inbound message; skipped');
        metrics?.unreadable();
      }
    }
    for (const reason of ignored) metrics?.ignored(reason);
    return { docs, changes };
  }

  return { readUpsert };
}

/**
 * Listens to a session's socket: messages (live and history), changes to them (edits, revokes,
 * reactions, votes), status updates, receipts, LID mappings and contacts go into the inbound
 * pipeline. The returned detach removes every listener it added and resolves once everything
 * the socket emitted has been handed to the pipeline.
 */
export function messageSink(pipeline: InboundPipeline, lids: LidDirectory, log: Logger, metrics?: InboundMetrics, options: MessageSinkOptions = {}) {
  const { journal } = options;
  const reader = (ref: SessionRef & { sessionId: string }, socket: ReaderSocket) => inboundReader({ lids, log, metrics, options }, ref, socket);

  /** Messages and changes of one upsert into the pipeline; resolves once they are stored or queued. */
  async function handUpsert(readUpsert: ReturnType<typeof reader>['readUpsert'], messages: WAMessage[]): Promise<void> {
    const { docs, changes } = await readUpsert(messages);
    // Changes after the messages: an edit may arrive in the same batch as its original.
    await pipeline.messages(docs);
    await pipeline.changes(changes);
  }

  const sink: SocketEventSink & { replay(entries: JournalEntry[]): Promise<void> } = {
    /** Upserts a killed process had journaled: read as its socket would have read them (without asking WhatsApp). */
    async replay(entries: JournalEntry[]): Promise<void> {
      for (const entry of entries) {
        const ref = { organizationId: entry.organizationId, session: entry.session, sessionId: entry.sessionId };
        await handUpsert(reader(ref, { user: entry.me ?? undefined }).readUpsert, entry.messages);
      }
    },

    attach(context: SessionContext, socket: WhatsAppSocket) {
      const ref = { organizationId: context.organizationId, session: context.sessionName, sessionId: context.sessionId };
      const org = ref.organizationId;
      const pending = new Set<Promise<unknown>>();
      const track = (work: Promise<unknown>) => {
        pending.add(work);
        void work.finally(() => pending.delete(work));
      };
      const keyOf = (key: { id?: string | null; fromMe?: boolean | null }) => (key.id ? { organizationId: org, session: ref.session, messageId: key.id, fromMe: key.fromMe === true } : null);

      const sessionKey = `${org}/${ref.session}`;
      const { readUpsert } = reader(ref, socket);

      const onUpsert: Listener<'messages.upsert'> = ({ messages }) => {
        // Journaled before anything asynchronous: Baileys has acknowledged these already.
        const user = socket.user;
        const release = journal?.record({ ...ref, me: user ? { id: user.id, lid: user.lid } : null, messages });
        track(handUpsert(readUpsert, messages).then(release));
      };

      const onHistory: Listener<'messaging-history.set'> = (history) => {
        track(
          (async () => {
            // Decided first, as the setting stands when the sync arrives. When it cannot be read,
            // keep the messages: a setting of off stores less, it never loses anything.
            const keep = options.receiveOf ? ((await options.receiveOf(ref.sessionId).catch(() => undefined))?.history ?? 'recent') : 'off';
            const mappings = (history as { lidPnMappings?: Array<{ lid: string; pn: string }> }).lidPnMappings ?? [];
            if (mappings.length) await lids.learn(org, mappings);
            const contacts = (history.contacts ?? []).filter((c) => typeof c.id === 'string') as ContactUpdate[];
            // Baileys rc14 leaves lidPnMappings out of the event (its buffer drops them); the contacts carry them.
            await lids.learn(org, contacts.map((c) => ({ lid: c.lid ?? (isLid(c.id) ? c.id : null), pn: c.phoneNumber ?? (isPhoneNumberJid(c.id) ? c.id : null) })));
            await pipeline.contacts(org, ref.session, contacts);
            if (keep === 'off') return;
            const { docs } = await readUpsert(history.messages ?? []);
            await pipeline.history(docs);
          })().catch((err: unknown) => log.warn({ err, session: ref.session }, 'could not read a history sync')),
        );
      };

      const onUpdate: Listener<'messages.update'> = (updates) => {
        const changes: StatusChange[] = [];
        for (const { key, update } of updates) {
          const target = keyOf(key);
          const status = statusFromBaileys(update.status);
          if (target && status) changes.push({ ...target, status });
        }
        track(pipeline.status(changes));
      };

      const onReceipt: Listener<'message-receipt.update'> = (updates) => {
        const changes: StatusChange[] = [];
        for (const { key, receipt } of updates) {
          const target = keyOf(key);
          const status = statusFromReceipt(receipt);
          if (target && status) changes.push({ ...target, status });
        }
        track(pipeline.status(changes));
      };

      const onGroups: Listener<'groups.upsert'> = (groups) => {
        for (const group of groups) options.groups?.set(sessionKey, group);
      };
      const onGroupsUpdate: Listener<'groups.update'> = (updates) => {
        for (const update of updates) if (update.id) options.groups?.update(sessionKey, update as typeof update & { id: string });
      };

      const onMapping: Listener<'lid-mapping.update'> = (mapping) => {
        track(lids.learn(org, [mapping]).catch((err: unknown) => log.warn({ err }, 'could not store a LID mapping')));
      };

      /** A contact named by its LID alone gets the phone number the directory knows for it. */
      async function withPhoneNumbers(list: ContactUpdate[]): Promise<ContactUpdate[]> {
        await lids.learn(org, list.map((c) => ({ lid: c.lid ?? (isLid(c.id) ? c.id : null), pn: c.phoneNumber ?? (isPhoneNumberJid(c.id) ? c.id : null) }))).catch(() => []);
        return Promise.all(
          list.map(async (c) => (isLid(c.id) && !c.phoneNumber ? { ...c, phoneNumber: (await lids.phoneNumberOf(org, c.id).catch(() => null)) ?? c.phoneNumber } : c)),
        );
      }

      const onContacts: Listener<'contacts.upsert'> = (contacts) => {
        track(withPhoneNumbers(contacts as ContactUpdate[]).then((list) => pipeline.contacts(org, ref.session, list)));
      };
      const onContactsUpdate: Listener<'contacts.update'> = (contacts) => {
        const withId = contacts.filter((c) => typeof c.id === 'string') as ContactUpdate[];
        track(pipeline.contacts(org, ref.session, withId));
      };

      socket.ev.on('messages.upsert', onUpsert);
      socket.ev.on('messaging-history.set', onHistory);
      socket.ev.on('messages.update', onUpdate);
      socket.ev.on('message-receipt.update', onReceipt);
      socket.ev.on('lid-mapping.update', onMapping);
      socket.ev.on('groups.upsert', onGroups);
      socket.ev.on('groups.update', onGroupsUpdate);
      socket.ev.on('contacts.upsert', onContacts);
      socket.ev.on('contacts.update', onContactsUpdate);
      return async () => {
        socket.ev.off('messages.upsert', onUpsert);
        socket.ev.off('messaging-history.set', onHistory);
        socket.ev.off('messages.update', onUpdate);
        socket.ev.off('message-receipt.update', onReceipt);
        socket.ev.off('lid-mapping.update', onMapping);
        socket.ev.off('groups.upsert', onGroups);
        socket.ev.off('groups.update', onGroupsUpdate);
        socket.ev.off('contacts.upsert', onContacts);
        socket.ev.off('contacts.update', onContactsUpdate);
        const drained = Promise.allSettled([...pending]);
        const timeout = new Promise((resolve) => setTimeout(resolve, DRAIN_MS).unref());
        await Promise.race([drained, timeout]);
      };
    },
  };
  return sink;
}
