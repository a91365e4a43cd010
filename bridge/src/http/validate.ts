import type { Context } from 'koa';
import type { z } from 'zod';

/** Parsed request body; a ZodError becomes a 400 validation_failed in the error boundary. */
export function bodyOf<S extends z.ZodType>(ctx: Context, schema: S): z.infer<S> {
  return schema.parse(ctx.request.body ?? {});
}

/** Parsed query string (single values; repeated keys keep the last). */
export function queryOf<S extends z.ZodType>(ctx: Context, schema: S): z.infer<S> {
  const flat = Object.fromEntries(Object.entries(ctx.query).map(([k, v]) => [k, Array.isArray(v) ? v[v.length - 1] : v]));
  return schema.parse(flat);
}
