import { createHash, timingSafeEqual } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { AppState } from '../../../appState.ts';
import { withDeadline } from '../../../infra/deadline.ts';
import { unauthorized } from '../../errors.ts';

const CHECK_TIMEOUT_MS = 1_500;

async function check(what: string, probe: () => Promise<unknown>): Promise<string> {
  try {
    await withDeadline(probe(), CHECK_TIMEOUT_MS, what);
    return 'ok';
  } catch {
    return 'unreachable';
  }
}

function sameSecret(a: string, b: string): boolean {
  // Hash first so the compare is constant-time whatever the lengths.
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** METRICS_TOKEN set: the scrape must carry `Authorization: Bearer <token>`; 401 in the API's error shape otherwise. */
function checkMetricsToken(ctx: Context, token: string | undefined): void {
  if (token === undefined) return;
  const bearer = /^Bearer\s+(\S+)$/i.exec(ctx.get('authorization'));
  if (!bearer) throw unauthorized('/metrics needs the metrics token (METRICS_TOKEN): Authorization: Bearer <token>.');
  if (!sameSecret(bearer[1], token)) throw unauthorized('The metrics token is not the one this bridge was started with (METRICS_TOKEN).');
}

/**
 * Prometheus metrics: GET /metrics, the state's registry in the text format. Behind
 * `Authorization: Bearer <METRICS_TOKEN>` when that is set. On the main listener, or alone on a
 * listener of its own when METRICS_PORT is set (bridgeRuntime.ts builds that app).
 */
export function metricsRouter(state: AppState): Router {
  return new Router().get('/metrics', metricsHandler(state));
}

function metricsHandler(state: AppState) {
  return async function metrics(ctx: Context): Promise<void> {
    checkMetricsToken(ctx, state.config.metricsToken);
    ctx.type = state.metrics.registry.contentType;
    ctx.body = await state.metrics.registry.metrics();
  };
}

/**
 * Liveness, readiness (MongoDB and Redis answer) and, unless METRICS_PORT moves them to a listener
 * of their own, Prometheus metrics. No API key (the metrics take METRICS_TOKEN when it is set).
 */
export function healthRouter(state: AppState): Router {
  const router = new Router();

  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok', instanceId: state.config.instanceId, ...(state.config.waSandbox ? { sandbox: true } : {}) };
  });

  router.get('/readyz', async (ctx) => {
    const [mongodb, redis] = await Promise.all([
      check('MongoDB', () => state.mongo.db!.admin().ping()),
      check('Redis', () => state.redis.ping()),
    ]);
    const checks = { mongodb, redis };
    if (mongodb === 'ok' && redis === 'ok') {
      ctx.body = { status: 'ready', checks };
      return;
    }
    const down = Object.entries(checks).filter(([, v]) => v !== 'ok').map(([k]) => k);
    ctx.status = 503;
    ctx.body = { error: { code: 'not_ready', message: `Unreachable: ${down.join(', ')}` }, checks };
  });

  if (state.config.metricsPort === undefined) router.get('/metrics', metricsHandler(state));

  return router;
}
