/** A local HTTP server standing in for the bridge: records every request, answers per a handler. */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  body: any;
}

export interface Answer {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (request: RecordedRequest) => Answer | Promise<Answer>;

export interface RecordingServer {
  url: string;
  requests: RecordedRequest[];
  handle(handler: Handler): void;
  close(): Promise<void>;
}

export function bridgeError(status: number, code: string, message: string): Answer {
  return { status, body: { error: { code, message } } };
}

export async function startRecordingServer(handler: Handler = () => ({ status: 404 })): Promise<RecordingServer> {
  let current = handler;
  const requests: RecordedRequest[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown = raw || undefined;
    if (raw && (req.headers['content-type'] ?? '').includes('json')) body = JSON.parse(raw);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
    };
    requests.push(recorded);
    try {
      const answer = await current(recorded);
      const status = answer.status ?? 200;
      if (Buffer.isBuffer(answer.body)) {
        res.writeHead(status, { 'content-type': 'application/octet-stream', ...answer.headers });
        res.end(answer.body);
      } else if (answer.body === undefined) {
        res.writeHead(status, answer.headers);
        res.end();
      } else {
        res.writeHead(status, { 'content-type': 'application/json', ...answer.headers });
        res.end(JSON.stringify(answer.body));
      }
    } catch (error) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'test_handler_failed', message: String(error) } }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    handle(next) {
      current = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
