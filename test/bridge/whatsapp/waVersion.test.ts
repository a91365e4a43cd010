import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { parseWaVersion, resolveWaVersion } from '../../../bridge/src/whatsapp/waVersion.ts';
import { loadConfig } from '../../../bridge/src/config.ts';
import { testEnv } from '../../support/stack.ts';

const log = pino({ level: 'silent' });

/** WhatsApp Web publishes its current revision in its service worker; the bridge reads it at start. */
describe('the WhatsApp Web version', () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());

  it('is the one web.whatsapp.com serves now', async () => {
    nock('https://web.whatsapp.com').get('/sw.js').reply(200, 'self.x={"client_revision":1031234567,"other":1}');
    expect(await resolveWaVersion({ fetch: true, log })).toEqual([2, 3000, 1031234567]);
  });

  it('falls back to the one Baileys pins when WhatsApp does not answer in time, or answers nonsense', async () => {
    // No answer at all: the request is abandoned at the timeout (Baileys' fetch given our signal).
    const hanging = ({ signal }: { signal: AbortSignal }) =>
      new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
    expect(await resolveWaVersion({ fetch: true, timeoutMs: 200, log, fetchLatest: hanging })).toBeUndefined();
    nock('https://web.whatsapp.com').get('/sw.js').reply(200, 'no revision here');
    expect(await resolveWaVersion({ fetch: true, log })).toBeUndefined();
    nock('https://web.whatsapp.com').get('/sw.js').reply(503);
    expect(await resolveWaVersion({ fetch: true, log })).toBeUndefined();
  });

  it('WA_VERSION pins it, and nothing is asked', async () => {
    const scope = nock('https://web.whatsapp.com').get('/sw.js').reply(200, '"client_revision":5');
    const config = loadConfig(testEnv({ WA_VERSION: '2.3000.1020000000' }));
    expect(await resolveWaVersion({ pinned: config.waVersion, fetch: true, log })).toEqual([2, 3000, 1020000000]);
    expect(scope.isDone()).toBe(false);
    expect(() => loadConfig(testEnv({ WA_VERSION: 'latest' }))).toThrow(/WA_VERSION/);
    expect(() => parseWaVersion('2.3000')).toThrow();
  });
});
