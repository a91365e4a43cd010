import { PassThrough } from 'node:stream';
import type { Context } from 'koa';
import QRCode from 'qrcode';
import type { SessionDoc } from '../../../models/session.ts';
import type { SessionManager } from '../../../sessions/sessionManager.ts';

const HEARTBEAT_MS = 15_000;

export interface EventStreams {
  /** Turns the response into a Server-Sent Events stream of the session's status and QR codes. */
  open(ctx: Context, doc: SessionDoc): Promise<void>;
  /** Ends every open stream (bridge shutdown). */
  closeAll(): void;
}

export async function qrPayload(qr: string, expiresAt: string) {
  return { qr, dataUrl: await QRCode.toDataURL(qr, { margin: 1, width: 320 }), expiresAt };
}

/**
 * `event: status` carries {name, status, phoneNumber, pushName, reason, at}; `event: qr`
 * carries {qr, dataUrl, expiresAt}. The current state is sent first, then every change, with a
 * comment line every 15 s so proxies keep the connection open.
 */
export function eventStreams(manager: SessionManager): EventStreams {
  const open = new Set<() => void>();
  return {
    async open(ctx, doc) {
      const stream = new PassThrough();
      const write = (event: string, data: unknown) => {
        if (!stream.writableEnded) stream.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      const status = (d: Pick<SessionDoc, 'status' | 'phoneNumber' | 'pushName' | 'lastDisconnectReason'>, at: string) =>
        write('status', { name: doc.name, status: d.status, phoneNumber: d.phoneNumber, pushName: d.pushName, reason: d.lastDisconnectReason, at });

      let chain = Promise.resolve();
      const unsubscribe = manager.subscribe(doc._id, (update) => {
        // QR images are rendered in order, so a stale QR never overtakes a newer one.
        chain = chain
          .then(async () => {
            if (update.type === 'qr') write('qr', await qrPayload(update.qr, update.expiresAt));
            else status({ status: update.status, phoneNumber: update.phoneNumber, pushName: update.pushName, lastDisconnectReason: update.reason }, update.at);
          })
          .catch(() => undefined);
      });
      const heartbeat = setInterval(() => {
        if (!stream.writableEnded) stream.write(': keep-alive\n\n');
      }, HEARTBEAT_MS);
      const cleanup = () => {
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(cleanup);
        if (!stream.writableEnded) stream.end();
      };
      open.add(cleanup);
      ctx.req.once('close', cleanup);
      stream.once('close', cleanup);

      ctx.req.socket.setTimeout(0);
      ctx.req.socket.setNoDelay(true);
      ctx.status = 200;
      ctx.set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
      ctx.body = stream;

      status(doc, new Date(doc.updatedAt ?? Date.now()).toISOString());
      const current = await manager.currentQr(doc._id);
      if (current && doc.status === 'qr_ready') write('qr', await qrPayload(current.qr, current.expiresAt));
    },
    closeAll() {
      for (const cleanup of [...open]) cleanup();
    },
  };
}
