import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LookupAddress } from 'node:dns';
import { startMessagingBridge, type MessagingTestBridge } from '../../support/messagingBridge.ts';
import { isPublicAddress } from '../../../bridge/src/infra/addressGuard.ts';
import type { FakeSocket } from '../../support/fakeSocket.ts';

/**
 * One guard for every outbound fetch, checked where each connection is made. A loopback alias,
 * 127.0.0.2, stands in for a public server (every test machine has it; nothing here can reach the
 * internet): the bridges below count it as public and every other address as the guard does.
 * The servers on it redirect to addresses the guard must refuse at the next hop.
 */
const PUBLIC_STAND_IN = '127.0.0.2';
const isPublic = (address: string) => address === PUBLIC_STAND_IN || isPublicAddress(address);

/** DNS rebinding: public for the next `rebindPublic` lookups, loopback after that. */
let rebindPublic = 0;
const resolver = async (host: string): Promise<LookupAddress[]> => {
  if (host === 'rebind.example') return [{ address: rebindPublic-- > 0 ? PUBLIC_STAND_IN : '127.0.0.1', family: 4 }];
  if (host === 'cdn.example') return [{ address: PUBLIC_STAND_IN, family: 4 }];
  if (host === 'localhost') return [{ address: '127.0.0.1', family: 4 }];
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
};

const secret = randomBytes(512);
let publicServer: Server;
let privateServer: Server;
let privateHits = 0;
let port: number;
let privatePort: number;

function listen(server: Server, host: string): Promise<number> {
  return new Promise((resolve) => server.listen(0, host, () => resolve((server.address() as { port: number }).port)));
}

beforeAll(async () => {
  // The "private" service an attacker wants the bridge to fetch for them.
  privateServer = createServer((_req, res) => {
    privateHits += 1;
    res.writeHead(200, { 'content-type': 'image/png' }).end(secret);
  });
  privatePort = await listen(privateServer, '127.0.0.1');
  publicServer = createServer((req, res) => {
    const to: Record<string, string> = {
      '/to-loopback': `http://127.0.0.1:${privatePort}/secret.png`,
      '/to-metadata': 'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
      '/to-ipv6-loopback': `http://[::1]:${privatePort}/secret.png`,
      '/to-decimal-ip': `http://2130706433:${privatePort}/secret.png`,
      '/to-rebound-name': `http://rebind.example:${privatePort}/secret.png`,
    };
    if (req.url === '/photo.png') return void res.writeHead(200, { 'content-type': 'image/png' }).end(secret);
    if (to[req.url ?? '']) return void res.writeHead(302, { location: to[req.url!], connection: 'close' }).end();
    res.writeHead(404).end();
  });
  port = await listen(publicServer, PUBLIC_STAND_IN);
});
afterAll(async () => {
  for (const server of [publicServer, privateServer]) {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
  }
});

describe('outbound media: every hop passes the address guard', () => {
  let tb: MessagingTestBridge;
  let key: string;
  let socket: FakeSocket;
  beforeAll(async () => {
    // Webhooks may reach private networks here: that must not open media fetches too.
    tb = await startMessagingBridge({ label: 'guard', env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' }, bridgeOptions: { media: { resolver, isPublic } } });
    const org = await tb.createOrganization('Guard');
    key = org.apiKey;
    socket = tb.gateway.connect(org.id, 'main');
  });
  afterAll(async () => tb?.close());

  const sendImage = (url: string) => tb.request('POST', '/v1/sessions/main/messages', { key, body: { to: '4915123456789', image: { url, mimetype: 'image/png' } } });

  it('sends media from a public server', async () => {
    const res = await sendImage(`http://cdn.example:${port}/photo.png`);
    expect(res.status).toBe(202);
    expect(Buffer.from((socket.sent.at(-1)!.content as { image: Buffer }).image)).toEqual(secret);
  });

  it.each([
    ['to 127.0.0.1', '/to-loopback'],
    ['to the cloud metadata address 169.254.169.254', '/to-metadata'],
    ['to [::1]', '/to-ipv6-loopback'],
    ['to a decimal IP (2130706433 = 127.0.0.1)', '/to-decimal-ip'],
    ['to a name that rebinds to loopback', '/to-rebound-name'],
  ])('refuses a public URL that redirects %s: 422, nothing fetched, nothing sent', async (_, path) => {
    const sent = socket.sent.length;
    const hits = privateHits;
    const res = await sendImage(`http://cdn.example:${port}${path}`);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('media_url_forbidden');
    expect(privateHits).toBe(hits);
    expect(socket.sent.length).toBe(sent);
    expect(await tb.state.models.Message.countDocuments({ status: 'pending' })).toBe(0);
  });

  it('refuses private addresses given directly, IP literals and names alike', async () => {
    for (const url of [`http://127.0.0.1:${privatePort}/x.png`, `http://2130706433:${privatePort}/x.png`, `http://[::ffff:127.0.0.1]:${privatePort}/x.png`, 'http://169.254.169.254/', `http://localhost:${privatePort}/x.png`]) {
      const res = await sendImage(url);
      expect(res.status, url).toBe(422);
      expect(res.body.error.code, url).toBe('media_url_forbidden');
    }
    expect(privateHits).toBe(0);
  });

  it('refuses a name that was public at its first lookup and is loopback at connect time (DNS rebinding)', async () => {
    rebindPublic = 1;
    const first = await sendImage(`http://rebind.example:${port}/photo.png`);
    expect(first.status).toBe(202);
    // The same name again: a new connection, a new lookup, now loopback.
    const again = await sendImage(`http://rebind.example:${privatePort}/secret.png`);
    expect(again.status).toBe(422);
    expect(again.body.error.code).toBe('media_url_forbidden');
    expect(privateHits).toBe(0);
  });
});

describe('MEDIA_ALLOW_PRIVATE_NETWORKS', () => {
  it('lets media come from loopback (and only media: webhooks keep their own switch)', async () => {
    const tb = await startMessagingBridge({ label: 'guardoff', env: { MEDIA_ALLOW_PRIVATE_NETWORKS: 'true' } });
    try {
      const org = await tb.createOrganization('Guard off');
      const socket = tb.gateway.connect(org.id, 'main');
      const res = await tb.request('POST', '/v1/sessions/main/messages', { key: org.apiKey, body: { to: '4915123456789', image: { url: `http://127.0.0.1:${privatePort}/secret.png`, mimetype: 'image/png' } } });
      expect(res.status).toBe(202);
      expect(socket.sent).toHaveLength(1);
      const hook = await tb.request('POST', '/v1/webhooks', { key: org.apiKey, body: { url: `http://127.0.0.1:${privatePort}/hook`, events: ['message.received'] } });
      expect(hook.status).toBe(422);
      expect(hook.body.error.code).toBe('webhook_url_not_allowed');
    } finally {
      await tb.close();
    }
  });
});
