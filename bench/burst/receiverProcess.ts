/**
 * The burst benchmark's webhook receiver: answers every POST with 204 at once and records, for
 * each message.received delivery, the message id, the webhook-id and the receive time (no
 * signature check: that is the receiver's cost, not the bridge's). POSTs to /raw (the signed-POST
 * ceiling) are only counted.
 */
import { createServer } from 'node:http';
import { emit, now, serve } from './ipc.ts';

const deliveries: Array<[messageId: string, webhookId: string, at: number]> = [];
let expected: Set<string> | undefined;
const seen = new Set<string>();
let raw = { count: 0, first: 0, last: 0, target: 0 };

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const at = now();
    res.writeHead(204).end();
    if (req.url === '/raw') {
      raw.count += 1;
      if (raw.count === 1) raw.first = at;
      raw.last = at;
      if (raw.count === raw.target) emit('rawComplete', { ...raw });
      return;
    }
    let body: { type?: unknown; data?: { messageId?: unknown } } | null;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
    } catch {
      return;
    }
    if (body?.type !== 'message.received') return;
    const id = String(body.data?.messageId ?? '');
    deliveries.push([id, String(req.headers['webhook-id'] ?? ''), at]);
    if (expected?.has(id) && !seen.has(id)) {
      seen.add(id);
      if (seen.size === expected.size) emit('complete', { at });
    }
  });
});
server.keepAliveTimeout = 10_000;
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const { port } = server.address() as { port: number };

serve({
  expect({ ids }: { ids: string[] }) {
    expected = new Set(ids);
    seen.clear();
    for (const [id] of deliveries) if (expected.has(id)) seen.add(id);
    return seen.size;
  },
  expectRaw({ n }: { n: number }) {
    raw = { count: 0, first: 0, last: 0, target: n };
  },
  progress() {
    return { seen: seen.size, deliveries: deliveries.length, raw: raw.count };
  },
  report() {
    return deliveries;
  },
});
emit('ready', { url: `http://127.0.0.1:${port}` });
