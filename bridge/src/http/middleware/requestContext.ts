import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { AppState } from '../../appState.ts';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Request id (accepted from X-Request-Id when sane), a child logger, one log line and metrics per request. */
export function requestContext(state: AppState) {
  return async function requestContextMiddleware(ctx: Context, next: Next): Promise<void> {
    const incoming = ctx.get('x-request-id');
    const requestId = SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.log = state.log.child({ requestId });
    ctx.set('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = String(ctx._matchedRoute ?? 'unmatched');
      state.metrics.httpRequests.inc({ method: ctx.method, route, status: String(ctx.status) });
      state.metrics.httpDuration.observe({ method: ctx.method, route }, seconds);
      ctx.state.log.info({ method: ctx.method, path: ctx.path, route, status: ctx.status, ms: Math.round(seconds * 1000) }, 'request');
    }
  };
}
