import { randomBytes } from 'node:crypto';
import { BufferJSON } from '@whiskeysockets/baileys';
import type { Redis } from 'ioredis';
import type { Logger } from '../infra/logger.ts';
import { DomainError, ERROR_KINDS, outcomeUnknown, refused, unavailable, type ErrorKind } from '../errors.ts';
import { TimeoutError } from '../infra/deadline.ts';

/**
 * Request/reply between instances over Redis pub/sub: a call that needs a session's live socket
 * (send, logout, pairing code) is published on the owner's channel and answered on the
 * caller's. Payloads go through BufferJSON so media Buffers and protobuf bytes survive. A failure
 * travels as its domain kind, so the caller knows what the owner knows: whether anything was
 * asked of WhatsApp. The caller adds one of its own: a call published but not answered in time
 * may have happened (outcome_unknown); one that reached no instance did not (unavailable).
 */
export type RpcHandler = (method: string, args: unknown) => Promise<unknown>;

export interface OwnerRpc {
  call<T>(instanceId: string, method: string, args: unknown, timeoutMs: number): Promise<T>;
  serve(handler: RpcHandler): void;
  close(): Promise<void>;
}

interface Request { id: string; replyTo: string; method: string; args: unknown }
interface Reply { id: string; result?: unknown; error?: { kind: ErrorKind; code: string; message: string; details?: unknown } }

/** What the owner tells the caller about a failure (an owner-side deadline is an unknown outcome too). */
function asDomainError(error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  if (error instanceof TimeoutError) return outcomeUnknown('session_call_timeout', error.message);
  return refused('session_call_failed', error instanceof Error ? error.message : String(error));
}

export function redisOwnerRpc(publisher: Redis, subscriber: Redis, keyPrefix: string, instanceId: string, log: Logger): OwnerRpc {
  const requestChannel = (id: string) => `${keyPrefix}:rpc:${id}`;
  const replyChannel = `${keyPrefix}:rpc-reply:${instanceId}`;
  const myRequests = requestChannel(instanceId);
  const pending = new Map<string, { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  let handler: RpcHandler | undefined;

  async function answer(request: Request): Promise<void> {
    let reply: Reply;
    try {
      if (!handler) throw unavailable('session_owner_unavailable', 'The owning instance is not serving requests yet.');
      reply = { id: request.id, result: await handler(request.method, request.args) };
    } catch (error) {
      const e = asDomainError(error);
      reply = { id: request.id, error: { kind: e.kind, code: e.code, message: e.message, details: e.details } };
    }
    await publisher.publish(request.replyTo, JSON.stringify(reply, BufferJSON.replacer)).catch((err: unknown) => log.warn({ err }, 'rpc reply failed'));
  }

  const onMessage = (channel: string, message: string) => {
    if (channel === myRequests) {
      void answer(JSON.parse(message, BufferJSON.reviver) as Request);
    } else if (channel === replyChannel) {
      const reply = JSON.parse(message, BufferJSON.reviver) as Reply;
      const call = pending.get(reply.id);
      if (!call) return;
      pending.delete(reply.id);
      clearTimeout(call.timer);
      if (reply.error) {
        const kind = ERROR_KINDS.includes(reply.error.kind) ? reply.error.kind : 'refused';
        call.reject(new DomainError(kind, reply.error.code, reply.error.message, reply.error.details));
      }
      else call.resolve(reply.result);
    }
  };
  subscriber.on('message', onMessage);
  const ready = subscriber.subscribe(myRequests, replyChannel).catch((err: unknown) => log.warn({ err }, 'could not subscribe to rpc channels'));

  return {
    async call<T>(target: string, method: string, args: unknown, timeoutMs: number): Promise<T> {
      await ready;
      const id = randomBytes(8).toString('hex');
      const result = new Promise<unknown>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          // Published and perhaps carried out: say so rather than pretend nothing happened.
          reject(outcomeUnknown('session_owner_timeout', `The instance that owns this session did not answer within ${timeoutMs} ms.`));
        }, timeoutMs);
        pending.set(id, { resolve, reject, timer });
      });
      const request: Request = { id, replyTo: replyChannel, method, args };
      const receivers = await publisher.publish(requestChannel(target), JSON.stringify(request, BufferJSON.replacer));
      if (receivers === 0) {
        const call = pending.get(id);
        if (call) {
          pending.delete(id);
          clearTimeout(call.timer);
          call.reject(unavailable('session_owner_unavailable', 'The instance that owns this session is not reachable; another instance takes it over shortly.'));
        }
      }
      return (await result) as T;
    },
    serve(h) {
      handler = h;
    },
    async close() {
      // Not awaiting `ready`: with Redis unreachable the subscription never completes, and
      // disconnecting settles it anyway.
      handler = undefined;
      for (const [, call] of pending) {
        clearTimeout(call.timer);
        call.reject(unavailable('shutting_down', 'The bridge is shutting down.'));
      }
      pending.clear();
      subscriber.off('message', onMessage);
      subscriber.disconnect();
    },
  };
}
