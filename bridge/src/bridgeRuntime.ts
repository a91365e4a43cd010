import type Koa from 'koa';
import type Router from '@koa/router';
import type { Config } from './config.ts';
import { createAppState, type AppState, type AppStateOptions } from './appState.ts';
import { createApp } from './http/app.ts';
import { healthRouter, metricsRouter } from './http/routes/health/router.ts';
import { adminRouter } from './http/routes/admin/router.ts';
import { mongoEventRecorder } from './events/eventRecorder.ts';
import { eventMetrics } from './events/eventMetrics.ts';
import type { EventRecorder } from './events/eventTypes.ts';
import type { SocketFactory } from './whatsapp/socket.ts';
import { createWebhookEngine, type WebhookEngine, type WebhookTuning } from './webhooks/webhookEngine.ts';
import { webhooksRouter } from './http/routes/webhooks/router.ts';
import type { SessionGateway, SocketEventSink } from './sessions/sessionGateway.ts';
import { createMessaging, type MessagingOptions } from './messages/messaging.ts';
import type { InboundPipelineOptions } from './messages/inboundPipeline.ts';
import { resolveWaVersion } from './whatsapp/waVersion.ts';
import { baileysSocketFactory } from './whatsapp/baileysSocket.ts';
import { createRedis } from './infra/redis.ts';
import { mongoAuthStateStore } from './sessions/authStateStore.ts';
import { redisSessionLeases } from './sessions/sessionLease.ts';
import { redisQrStore } from './sessions/qrStore.ts';
import { redisSessionUpdates } from './sessions/sessionUpdates.ts';
import { redisOwnerRpc } from './sessions/ownerRpc.ts';
import { pairingLinks } from './sessions/pairingLinks.ts';
import { createSessionManager, type SessionManager } from './sessions/sessionManager.ts';
import type { BackoffSchedule } from './sessions/reconnectPolicy.ts';
import { sessionMetrics } from './sessions/sessionMetrics.ts';
import { eventStreams } from './http/routes/sessions/sessionEventStream.ts';
import { sessionsRouter } from './http/routes/sessions/router.ts';
import { contactsRouter } from './http/routes/contacts/router.ts';
import { messagesRouter } from './http/routes/messages/router.ts';
import { authenticate } from './http/middleware/auth.ts';
import { apiKeyService } from './services/apiKeyService.ts';
import { pairingRouter } from './http/routes/pairing/router.ts';
import { sandboxActions, sandboxRouter } from './http/routes/sandbox/router.ts';
import { docsRouter } from './http/routes/docs/router.ts';
import { consoleRouter } from './http/routes/console/router.ts';
import { consoleCookies } from './http/routes/console/consoleCookie.ts';

/**
 * The composition root: builds the application state once, then every feature from it, in the
 * order data flows (socket → session → store → outbox → delivery), and the API over their
 * services. BRIDGE_ROLES chooses what this process runs: the API (api), session sockets and their
 * inbound writes (sessions), the inbound retry worker (inbound), webhook delivery (webhooks).
 */
export interface BridgeOptions extends AppStateOptions {
  /** The WhatsApp socket implementation (Baileys by default; tests pass a fake). */
  socketFactory?: SocketFactory;
  /** Listeners attached to every session socket (messages, contacts); more via bridge.registerSink(). */
  sinks?: SocketEventSink[];
  /** Reconnect backoff and its jitter source (tests shorten it; defaults: 2 s base, 2 min cap). */
  reconnect?: { backoff?: BackoffSchedule; random?: () => number };
  /** Extra routers (tests). */
  extraRouters?: (state: AppState) => Router[];
  /** Webhook delivery knobs that are not public configuration (tests and benchmarks shorten them). */
  webhooks?: Partial<WebhookTuning>;
  /** Sends through live sessions (the session manager's; tests pass a fake). */
  sessionGateway?: SessionGateway;
  /** Tuning of the inbound write path (tests shorten its timeouts). */
  inbound?: InboundPipelineOptions;
  /** Media fetch knobs that are not public configuration (tests). */
  media?: MessagingOptions['media'];
  /** How long a command waits for the owning instance's answer (35 s; tests shorten it). */
  sessionRpcMs?: number;
  /** How long each QR code is shown (Baileys' qrTimeout; the pairing page's browser tests shorten it). */
  qrTimeoutMs?: number;
}

export interface Bridge {
  state: AppState;
  events: EventRecorder;
  app: Koa;
  /** With METRICS_PORT: the app that serves /metrics on a listener of its own (the main app then does not). */
  metricsApp: Koa | undefined;
  webhooks: WebhookEngine;
  /** The feature sinks (messages, contacts) attached to every session socket. */
  sinks: SocketEventSink[];
  /** Inbound writes waiting in the retry queue. */
  messagingBacklog(): Promise<number>;
  /** The sessions: lifecycle, and the SessionGateway (sendMessage) that reaches the owning instance. */
  sessions: SessionManager;
  /** Attaches a sink to every socket created from now on (call before start()). */
  registerSink(sink: SocketEventSink): void;
  /** Starts background work (session restore, workers). The HTTP server is started by the caller. */
  start(): Promise<void>;
  /** Stops background work and closes connections. */
  close(): Promise<void>;
}

export async function createBridge(config: Config, options: BridgeOptions = {}): Promise<Bridge> {
  // Sandbox mode: the simulator is loaded only now, so production code never depends on it.
  const sandbox = config.waSandbox
    ? await (await import('./simulator/sandboxSimulator.ts')).startSandboxSimulator({ port: config.waSandboxPort, stateFile: config.waSandboxStateFile })
    : undefined;
  if (sandbox) config = { ...config, waWebSocketUrl: sandbox.webSocketUrl };
  const state = await createAppState(config, options).catch(async (error: unknown) => {
    await sandbox?.stop();
    throw error;
  });
  if (sandbox) {
    state.onClose('sandbox simulator', () => sandbox.stop());
    state.log.warn(
      { webSocketUrl: sandbox.webSocketUrl, controlUrl: sandbox.controlUrl },
      `SANDBOX MODE: sessions connect to the built-in WhatsApp simulator, not to WhatsApp; control API at ${sandbox.controlUrl}`,
    );
  }
  const events = mongoEventRecorder(state.models, state.log);
  eventMetrics(state.metrics.registry, events);
  const webhooks = createWebhookEngine(state, events, options.webhooks);
  state.onClose('webhook engine', () => webhooks.close());

  // Messaging is built before the sessions so that it closes after them: the sockets' last
  // events still reach its sink.
  const messaging = createMessaging(state, events, { sessionGateway: () => options.sessionGateway ?? sessions, inbound: options.inbound, media: options.media });
  const sinks: SocketEventSink[] = [messaging.sink];

  const { keyPrefix, log } = state;
  const { roles } = config;
  // The simulator (WA_WEBSOCKET_URL, the sandbox) takes any version: ask web.whatsapp.com only for WhatsApp.
  const waVersion = roles.has('sessions')
    ? await resolveWaVersion({ pinned: config.waVersion, fetch: !config.waWebSocketUrl && !options.socketFactory, log })
    : undefined;
  const updates = redisSessionUpdates(state.redis, createRedis(config.redisUrl, 'subscriber'), keyPrefix, log);
  state.onClose('session update subscriber', () => updates.close());
  const rpc = redisOwnerRpc(state.redis, createRedis(config.redisUrl, 'subscriber'), keyPrefix, config.instanceId, log);
  state.onClose('owner RPC', () => rpc.close());
  const sessions = createSessionManager({
    models: state.models,
    log,
    events,
    socketFactory: options.socketFactory ?? baileysSocketFactory,
    authStore: mongoAuthStateStore(state.models, state.secrets),
    leases: redisSessionLeases(state.redis, keyPrefix, config.instanceId, config.sessionLeaseMs),
    qr: redisQrStore(state.redis, keyPrefix),
    updates,
    rpc,
    instanceId: config.instanceId,
    leaseMs: config.sessionLeaseMs,
    maxSessions: config.maxSessionsPerInstance,
    waWebSocketUrl: config.waWebSocketUrl,
    socketSettings: (ctx) => ({ ...messaging.socketSettings(ctx), ...(waVersion ? { version: waVersion } : {}) }),
    metrics: sessionMetrics(state.metrics.registry),
    owns: roles.has('sessions'),
    receiveDefaults: { statusBroadcasts: false, newsletters: false, history: config.waHistorySync },
    rpcMs: options.sessionRpcMs,
    qrTimeoutMs: options.qrTimeoutMs,
    backoff: options.reconnect?.backoff,
    random: options.reconnect?.random,
  });
  for (const sink of [...sinks, ...(options.sinks ?? [])]) sessions.registerSink(sink);
  const streams = eventStreams(sessions);
  state.onClose('event streams', () => streams.closeAll());
  // Sockets end before the streams and Redis subscribers they feed.
  state.onClose('session manager', () => sessions.close());
  const links = pairingLinks(config.encryptionKey, config.publicUrl);

  // The API over the services: health always (probes of worker processes too), the rest with the api role.
  const keys = apiKeyService(state.models);
  const cookies = consoleCookies(config.encryptionKey, config.publicUrl);
  const authenticateCaller = authenticate(keys, config.adminKey, cookies);
  const sandboxScan = sandbox ? sandboxActions(sessions, sandbox.simulator) : undefined;
  const api: Router[] = [
    adminRouter({ authenticate: authenticateCaller, keys, inbound: messaging.pipeline }),
    sessionsRouter({ authenticate: authenticateCaller, manager: sessions, streams, links }),
    pairingRouter({ manager: sessions, streams, links, sandbox: sandboxScan }),
    ...(sandbox ? [sandboxRouter({ authenticate: authenticateCaller, manager: sessions, simulator: sandbox.simulator })] : []),
    webhooksRouter({ authenticate: authenticateCaller, registry: webhooks.registry, deliveries: webhooks.deliveries }),
    messagesRouter({ authenticate: authenticateCaller, sender: messaging.sender, query: messaging.query }),
    contactsRouter({ authenticate: authenticateCaller, contacts: messaging.contacts }),
    // GET /openapi.json and /docs: no key, like the health routes.
    docsRouter({ sandbox: sandbox !== undefined }),
    consoleRouter({ keys, cookies, sandbox: sandbox !== undefined }),
  ];
  const routers: Router[] = [healthRouter(state), ...(roles.has('api') ? api : []), ...(options.extraRouters?.(state) ?? [])];
  const app = createApp(state, routers);
  const metricsApp = config.metricsPort === undefined ? undefined : createApp(state, [metricsRouter(state)]);

  return {
    state,
    events,
    app,
    metricsApp,
    webhooks,
    sinks,
    messagingBacklog: () => messaging.pipeline.backlog(),
    sessions,
    registerSink: (sink) => sessions.registerSink(sink),
    async start() {
      if (roles.has('webhooks')) webhooks.start();
      if (roles.has('inbound')) messaging.start();
      if (roles.has('sessions')) {
        await messaging.replayJournal();
        await sessions.startBackground();
      }
      log.info({ roles: [...roles] }, 'bridge roles');
    },
    close: () => state.close(),
  };
}
