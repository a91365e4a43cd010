import type { AppState } from '../appState.ts';
import type { EventRecorder } from '../events/eventTypes.ts';
import type { SessionGateway, SocketEventSink } from '../sessions/sessionGateway.ts';
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
  const store = messageStore(state.models, events);
  const contacts = contactStore(state.models);
  const queueConnection = createRedis(state.config.redisUrl, 'queue');
  const workerConnection = createRedis(state.config.redisUrl, 'queue');
  const pipeline = inboundPipeline(
    { store, contacts, log: state.log, queueConnection, workerConnection, keyPrefix: state.keyPrefix },
    options.inbound,
  );
  const idempotency = idempotencyKeys(state.models);
  const sender = messageSender({
    models: state.models,
    store,
    events,
    idempotency,
    gateway: options.sessionGateway,
    log: state.log,
    media: { ...options.media, allowPrivateNetworks: state.config.mediaAllowPrivateNetworks },
  });
  const query = messageQuery(state.models);
  const sink: SocketEventSink = messageSink(pipeline, state.log);

  state.onClose('messaging', async () => {
    // BullMQ's close waits for Redis; when Redis is unreachable, give up and disconnect, which
    // leaves the retry queue's jobs where they are for the next start.
    await withDeadline(pipeline.close(), PIPELINE_CLOSE_MS, 'inbound retry queue close').catch((err: unknown) => state.log.warn({ err }, 'closing the retry queue timed out; disconnecting'));
    queueConnection.disconnect();
    workerConnection.disconnect();
  });

  return {
    sink,
    pipeline,
    store,
    query,
    contacts: contactQuery(state.models),
    sender,
    /** Starts the retry worker (idempotency keys expire through their TTL index). */
    start(): void {
      pipeline.start();
    },
  };
}

export type Messaging = ReturnType<typeof createMessaging>;
