import type { Middleware } from 'koa';

/** Marks every response of a bridge running against the simulator, so no one mistakes it for WhatsApp. */
export function sandboxLabel(): Middleware {
  return async function sandboxLabelMiddleware(ctx, next) {
    try {
      await next();
    } finally {
      ctx.set('X-WhatsApp-Sandbox', 'true');
    }
  };
}
