import Koa from 'koa';
import type Router from '@koa/router';
import type { AppState } from '../appState.ts';
import { errorBoundary } from './middleware/errorBoundary.ts';
import { requestContext } from './middleware/requestContext.ts';
import { jsonBody } from './middleware/jsonBody.ts';
import { sandboxLabel } from './middleware/sandboxLabel.ts';

/** The Koa application: request context, error boundary, JSON bodies, then the given routers. */
export function createApp(state: AppState, routers: Router[]): Koa {
  const app = new Koa({ proxy: true });
  app.silent = true; // errors are logged by the boundary, once, with the request id
  if (state.config.waSandbox) app.use(sandboxLabel());
  app.use(requestContext(state));
  app.use(errorBoundary());
  app.use(jsonBody());
  for (const router of routers) {
    app.use(router.routes());
    // Sets 405 and the Allow header; the error boundary writes the error body.
    app.use(router.allowedMethods());
  }
  return app;
}
