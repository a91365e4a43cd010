import Router from '@koa/router';
import type { AppState } from '../../../appState.ts';
import { withDeadline } from '../../../infra/deadline.ts';

const CHECK_TIMEOUT_MS = 1_500;

async function check(what: string, probe: () => Promise<unknown>): Promise<string> {
  try {
    await withDeadline(probe(), CHECK_TIMEOUT_MS, what);
    return 'ok';
  } catch {
    return 'unreachable';
  }
}

/** Liveness, readiness (MongoDB and Redis answer) and Prometheus metrics. No auth. */
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

  router.get('/metrics', async (ctx) => {
    ctx.type = state.metrics.registry.contentType;
    ctx.body = await state.metrics.registry.metrics();
  });

  return router;
}
