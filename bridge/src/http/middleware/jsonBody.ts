import { bodyParser } from '@koa/bodyparser';
import type { Context, Next } from 'koa';
import { unsupportedMediaType } from '../errors.ts';

const DEFAULT_LIMIT = '1mb';
/** Sending media as base64 needs room: 16 MiB of media is about 22 MiB of base64. */
const MEDIA_LIMIT = '24mb';
const MEDIA_ROUTE = /^\/v1\/sessions\/[^/]+\/messages$/;

function hasBody(ctx: Context): boolean {
  const length = ctx.get('content-length');
  return (length !== '' && length !== '0') || ctx.get('transfer-encoding') !== '';
}

/** JSON only: a body of another type is 415, malformed JSON 400, too large 413. */
export function jsonBody() {
  const small = bodyParser({ enableTypes: ['json'], jsonLimit: DEFAULT_LIMIT, encoding: 'utf-8' });
  const large = bodyParser({ enableTypes: ['json'], jsonLimit: MEDIA_LIMIT, encoding: 'utf-8' });
  return async function jsonBodyMiddleware(ctx: Context, next: Next): Promise<void> {
    if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(ctx.method) && hasBody(ctx) && !ctx.is('application/json', '+json')) {
      throw unsupportedMediaType(`Expected Content-Type: application/json, got ${ctx.get('content-type') || 'none'}.`);
    }
    const parser = MEDIA_ROUTE.test(ctx.path) ? large : small;
    await parser(ctx, next);
  };
}
