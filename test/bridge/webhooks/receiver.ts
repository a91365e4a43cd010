import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export interface Received {
  at: number;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  json: any;
}

/** What the receiver does with a request: answer (status, headers, body), or hang (never answer). */
export type Behaviour = (req: Received, n: number) => { status: number; headers?: Record<string, string>; body?: string } | 'hang';

/** A real local HTTP endpoint that records every request it gets. */
export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  behave(behaviour: Behaviour): void;
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(behaviour: Behaviour = () => ({ status: 200, body: 'ok' }), port = 0): Promise<Receiver> {
  let current = behaviour;
  const received: Received[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown = undefined;
      try {
        json = JSON.parse(body);
      } catch {
        // not JSON
      }
      const entry: Received = { at: Date.now(), path: req.url ?? '/', headers: req.headers, body, json };
      received.push(entry);
      const answer = current(entry, received.length);
      if (answer === 'hang') {
        hanging.add(res);
        return;
      }
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${bound}/hook`,
    port: bound,
    received,
    behave(next) {
      current = next;
    },
    async waitFor(count, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > until) throw new Error(`receiver got ${received.length} of ${count} requests within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return received.slice(0, count);
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * An independent implementation of Standard Webhooks verification (not the library the bridge
 * signs with): HMAC-SHA256 over "id.timestamp.body", keyed by the base64 after `whsec_`.
 */
export function expectedSignature(secret: string, id: string, timestamp: string, body: string): string {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

export function signatureVerifies(secret: string, req: Received): boolean {
  const id = String(req.headers['webhook-id']);
  const timestamp = String(req.headers['webhook-timestamp']);
  const presented = String(req.headers['webhook-signature'] ?? '').split(' ');
  return presented.includes(expectedSignature(secret, id, timestamp, req.body));
}

export async function until(predicate: () => Promise<boolean> | boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
