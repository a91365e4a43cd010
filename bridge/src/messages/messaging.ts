import { join } from 'node:path';
import type { AppState } from '../appState.ts';
import type { EventRecorder } from '../events/eventTypes.ts';
import type { SessionGateway } from '../sessions/sessionGateway.ts';
import { createRedis } from '../infra/redis.ts';
import { withDeadline } from '../infra/deadline.ts';
import { contactStore } from '../contacts/contactStore.ts';
import { contactQuery } from '../contacts/contactQuery.ts';
import { messageStore } from './messageStore.ts';
import { inboundPipeline, type InboundPipelineOptions } from './inboundPipeline.ts';
import { messageSink } from './messageSink.ts';
import { messageSender } from './messageSender.ts';
import type { MediaFetchOptions } from './outboundMedia.ts';
import { messageQuery } from './messageQuery.ts';
import { idempotencyKeys } from './idempotency.ts';
import { lidDirectory } from '../identity/lidDirectory.ts';
import { inboundMetrics } from './inboundMetrics.ts';
import { inboundSpool } from './inboundSpool.ts';
import { inboundJournal } from './inboundJournal.ts';
import { groupMetadataCache } from '../groups/groupMetadataCache.ts';
import type { SessionReceive } from '../models/session.ts';
import type { SocketSettings } from '../sessions/sessionSocket.ts';

/** How long close() waits for the retry queue's worker before disconnecting it. */
const PIPELINE_CLOSE_MS = 3_000;

export interface MessagingOptions {
  /** Resolved on every send, so the session manager may provide it after start-up. */
  sessionGateway: () => SessionGateway | undefined;
  inbound?: InboundPipelineOptions;
  /** Media fetch knobs that are not public configuration (tests: a resolver, a stand-in for public addresses). */
  media?: Omit<MediaFetchOptions, 'allowPrivateNetworks'>;
}

/**
 * The messages feature: the socket sink (inbound path and its retry queue), sending, lookup and
 * contacts, as services. Built once by the composition root, which puts the API over them.
 */
export function createMessaging(state: AppState, events: EventRecorder, options: MessagingOptions) {
  const store = messageStore(state.models, events, state.log);
  const contacts = contactStore(state.models);
  const lids = lidDirectory(state.models, state.log);
  const queueConnection = createRedis(state.config.redisUrl, 'queue');
  const workerConnection = createRedis(state.config.redisUrl, 'queue');
  // The metrics read the pipeline's dead letters and retry-queue backlog when scraped; the pipeline counts its give-ups in them.
  const metrics = inboundMetrics(
    state.metrics.registry,
    async () => (await pipeline.deadLetters(1)).total,
    () => pipeline.backlog(),
  );
  const pipeline = inboundPipeline(
    { store, contacts, log: state.log, queueConnection, workerConnection, keyPrefix: state.keyPrefix, gaveUp: metrics.gaveUp, spooled: metrics.spooled, spool: inboundSpool(join(state.config.spoolDir, state.keyPrefix), state.config.instanceId, state.log) },
    { decryptionTimeoutMs: state.config.decryptionTimeoutMs, ...options.inbound },
  );
  const idempotency = idempotencyKeys(state.models);
  const sender = messageSender({
    models: state.models,
    store,
    events,
    idempotency,
    gateway: options.sessionGateway,
    log: state.log,
    lids,
    media: { ...options.media, allowPrivateNetworks: state.config.mediaAllowPrivateNetworks },
  });
  const query = messageQuery(state.models, lids);
  const groups = groupMetadataCache();
  // A session's opt-ins, read (one lookup by id) only when a status or channel post arrives, so a
  // change through PATCH /v1/sessions/:name applies to the next post on every instance.
  const receiveOf = async (sessionId: string): Promise<SessionReceive> => {
    const doc = await state.models.Session.findById(sessionId, { receive: 1 }).maxTimeMS(5_000).lean<{ receive?: Partial<SessionReceive> }>();
    return {
      statusBroadcasts: doc?.receive?.statusBroadcasts === true,
      newsletters: doc?.receive?.newsletters === true,
      history: doc?.receive?.history ?? state.config.waHistorySync,
    };
  };
  const journal = inboundJournal(join(state.config.spoolDir, state.keyPrefix, 'journal'), state.config.instanceId, state.log);
  const sink = messageSink(pipeline, lids, state.log, metrics, {
    groups,
    receiveOf,
    journal,
  });
  /** What the session sockets need from the store: retry receipts are answered from what was sent. */
  const socketSettings: SocketSettings = (ctx) => ({
    syncFullHistory: (ctx.history ?? state.config.waHistorySync) === 'full',
    cachedGroupMetadata: async (jid) => groups.get(`${ctx.organizationId}/${ctx.sessionName}`, jid),
    getMessage: async (key) => {
      if (!key.id || key.fromMe !== true) return undefined;
      return (await store.sentContent({ organizationId: ctx.organizationId, session: ctx.sessionName, messageId: key.id, fromMe: true })) ?? undefined;
    },
  });

  state.onClose('messaging', async () => {
    // BullMQ's close waits for Redis; when Redis is unreachable, give up and disconnect, which
    // leaves the retry queue's jobs where they are for the next start.
    await withDeadline(pipeline.close(), PIPELINE_CLOSE_MS, 'inbound retry queue close').catch((err: unknown) => state.log.warn({ err }, 'closing the retry queue timed out; disconnecting'));
    queueConnection.disconnect();
    workerConnection.disconnect();
    journal.close();
  });

  return {
    sink,
    socketSettings,
    lids,
    pipeline,
    store,
    query,
    contacts: contactQuery(state.models),
    sender,
    /** Starts the retry worker (idempotency keys expire through their TTL index). */
    start(): void {
      pipeline.start();
    },
    /** Replays what a killed process on this host had received but not stored (before the sockets start). */
    async replayJournal(): Promise<void> {
      await journal.replayLeftovers((entries) => sink.replay(entries)).catch((err: unknown) => state.log.error({ err }, 'could not replay the inbound journal; left for the next start'));
    },
  };
}

export type Messaging = ReturnType<typeof createMessaging>;
