import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';
import { loadConfig } from '../../../bridge/src/config.ts';
import { listen } from '../../../bridge/src/server.ts';
import { freePort } from '../../support/services.ts';
import { MONGODB_URI, startTestBridge, testEnv, uniqueName, withDatabase, type TestBridge } from '../../support/stack.ts';

const root = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const main = root('bridge/src/main.ts');
const TOKEN = 'metrics-token-0123456789abcdef';

interface Registered {
  name: string;
  type: string;
  labels: string[];
}

/** What the registry of a running bridge holds: every metric's name, type and label names. */
async function registered(bridge: TestBridge): Promise<Registered[]> {
  const metrics = bridge.state.metrics.registry.getMetricsAsArray() as unknown as Array<{ name: string; type: string; labelNames?: string[] }>;
  const json = await bridge.state.metrics.registry.getMetricsAsJSON();
  return metrics.map((metric) => {
    // Default metrics (process, Node.js) carry their labels only in their values.
    const fromValues = json.find((m) => m.name === metric.name)?.values.flatMap((v) => Object.keys(v.labels)) ?? [];
    const labels = new Set([...(metric.labelNames ?? []), ...fromValues].filter((l) => l !== 'le' && l !== 'quantile'));
    return { name: metric.name, type: metric.type, labels: [...labels].sort() };
  });
}

/** The rows of docs/metrics.md's tables: | `name` | type | `label`, `label` | meaning |. */
function documented(): Map<string, { type: string; labels: string[] }> {
  const rows = new Map<string, { type: string; labels: string[] }>();
  for (const line of readFileSync(root('docs/metrics.md'), 'utf8').split('\n')) {
    const cells = /^\|\s*`([a-z0-9_]+)`\s*\|\s*([a-z]+)\s*\|([^|]*)\|/.exec(line);
    if (!cells) continue;
    const labels = [...cells[3].matchAll(/`([a-z_]+)`/g)].map((m) => m[1]).sort();
    rows.set(cells[1], { type: cells[2], labels });
  }
  return rows;
}

/** Every PromQL expression in the Grafana dashboard (panels, rows' panels, template queries). */
function dashboardQueries(): string[] {
  const dashboard = JSON.parse(readFileSync(root('docs/grafana/whatsapp-bridge.json'), 'utf8')) as {
    panels: Array<{ targets?: Array<{ expr: string }>; panels?: Array<{ targets?: Array<{ expr: string }> }> }>;
    templating: { list: Array<{ type: string; definition?: string }> };
  };
  const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  return [
    ...panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
    ...dashboard.templating.list.filter((v) => v.type === 'query').map((v) => v.definition ?? ''),
  ];
}

describe('metrics', () => {
  let bridge: TestBridge;
  beforeAll(async () => {
    bridge = await startTestBridge({ label: 'metrics' });
  });
  afterAll(async () => {
    await bridge?.close();
  });

  it('the bridge registers the metrics the dashboard and the docs rely on', async () => {
    expect(bridge.bridge.metricsApp, 'no METRICS_PORT: /metrics is on the main app').toBeUndefined();
    const names = (await registered(bridge)).map((m) => m.name);
    expect(names).toEqual(
      expect.arrayContaining(['wab_sessions_owned', 'wab_events_recorded_total', 'wab_webhook_deliveries_total', 'wab_webhook_queue_jobs', 'wab_inbound_queue_jobs', 'wab_http_requests_total']),
    );
    // The same list as a scrape shows (GET /metrics, no METRICS_TOKEN: no key needed).
    const res = await bridge.request('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const scraped = [...String(res.body).matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => m[1]).sort();
    expect(scraped).toEqual([...names].sort());
  });

  it('docs/metrics.md lists every registered metric with its type and labels, and nothing else', async () => {
    const docs = documented();
    const metrics = await registered(bridge);
    const missing = metrics.filter((m) => !docs.has(m.name)).map((m) => m.name);
    expect(missing, 'registered but not in docs/metrics.md').toEqual([]);
    for (const metric of metrics) {
      expect({ name: metric.name, type: docs.get(metric.name)!.type }).toEqual({ name: metric.name, type: metric.type });
      expect({ name: metric.name, labels: docs.get(metric.name)!.labels }).toEqual({ name: metric.name, labels: metric.labels });
    }
    const stale = [...docs.keys()].filter((name) => !metrics.some((m) => m.name === name));
    expect(stale, 'in docs/metrics.md but not registered').toEqual([]);
  });

  it('every metric and label the Grafana dashboard queries exists', async () => {
    const metrics = new Map((await registered(bridge)).map((m) => [m.name, m]));
    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThan(10);
    const used = new Set<string>();
    for (const expr of queries) {
      // Histograms are queried through their series: name_bucket, name_sum, name_count.
      for (const [, series, selector] of expr.matchAll(/\b(wab_[a-z0-9_]+)(\{[^}]*\})?/g)) {
        const histogram = /^(.*)_(bucket|sum|count)$/.exec(series);
        const name = metrics.has(series) ? series : histogram && metrics.get(histogram[1])?.type === 'histogram' ? histogram[1] : series;
        const metric = metrics.get(name);
        expect(metric, `${series} in "${expr}"`).toBeDefined();
        used.add(name);
        // Labels in the selector: the metric's own, or the ones Prometheus adds to every series.
        for (const [, label] of (selector ?? '').matchAll(/([a-z_]+)\s*(?:=~|!~|!=|=)/g)) {
          expect([...metric!.labels, 'instance', 'job'], `label ${label} of ${series} in "${expr}"`).toContain(label);
        }
      }
      // Grouping labels (by (...)) exist on some metric the expression reads.
      const readLabels = new Set([...expr.matchAll(/\b(wab_[a-z0-9_]+)/g)].flatMap(([, s]) => metrics.get(s)?.labels ?? metrics.get(s.replace(/_(bucket|sum|count)$/, ''))?.labels ?? []));
      for (const [, group] of expr.matchAll(/\bby \(([^)]*)\)/g)) {
        for (const label of group.split(',').map((l) => l.trim())) {
          expect([...readLabels, 'instance', 'job', 'le'], `by (${label}) in "${expr}"`).toContain(label);
        }
      }
    }
    // Sessions, messages in and out, deliveries and queues.
    for (const needed of ['wab_sessions_owned', 'wab_events_recorded_total', 'wab_webhook_deliveries_total', 'wab_webhook_attempts_total', 'wab_webhook_queue_jobs', 'wab_inbound_queue_jobs']) {
      expect([...used]).toContain(needed);
    }
    const all = queries.join('\n');
    expect(all).toContain('type="message.received"');
    expect(all).toContain('type="message.sent"');
  });

  it('counts recorded events by type, once each', async () => {
    const before = await bridge.state.metrics.registry.getSingleMetricAsString('wab_events_recorded_total');
    expect(before).not.toMatch(/type="session\.status"\} [1-9]/);
    const org = await bridge.createOrganization('metrics');
    const input = { organizationId: org.id, type: 'session.status' as const, session: 'main', data: { status: 'connecting' }, dedupeKey: 'metrics-test-1' };
    await bridge.bridge.events.record(input);
    await bridge.bridge.events.record(input); // a duplicate: not counted again
    const after = await bridge.state.metrics.registry.getSingleMetricAsString('wab_events_recorded_total');
    expect(after).toMatch(/^wab_events_recorded_total\{type="session\.status"\} 1$/m);
  });
});

describe('METRICS_TOKEN', () => {
  let bridge: TestBridge;
  beforeAll(async () => {
    bridge = await startTestBridge({ label: 'metricstoken', env: { METRICS_TOKEN: TOKEN } });
  });
  afterAll(async () => {
    await bridge?.close();
  });

  it('answers 401 in the error shape without the token or with another one, 200 with it', async () => {
    const none = await bridge.request('GET', '/metrics');
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ error: { code: 'unauthorized', message: expect.stringContaining('METRICS_TOKEN') } });
    expect(none.headers.get('www-authenticate')).toBe('Bearer');

    const wrong = await bridge.request('GET', '/metrics', { key: `${TOKEN}x` });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('unauthorized');

    // Not an API key: X-Api-Key does not carry it.
    const apiKeyHeader = await bridge.request('GET', '/metrics', { headers: { 'x-api-key': TOKEN } });
    expect(apiKeyHeader.status).toBe(401);

    const ok = await bridge.request('GET', '/metrics', { key: TOKEN });
    expect(ok.status).toBe(200);
    expect(String(ok.body)).toContain('# TYPE wab_sessions_owned gauge');
  });

  it('leaves /healthz and /readyz open', async () => {
    expect((await bridge.request('GET', '/healthz')).status).toBe(200);
    expect((await bridge.request('GET', '/readyz')).status).toBe(200);
  });
});

describe('METRICS_PORT', () => {
  it('serves /metrics on a listener of its own; the main port answers 404 for it', async () => {
    const metricsPort = await freePort();
    const bridge = await startTestBridge({ label: 'metricsport', env: { METRICS_PORT: String(metricsPort), METRICS_TOKEN: TOKEN } });
    try {
      const onMain = await bridge.request('GET', '/metrics', { key: TOKEN });
      expect(onMain.status).toBe(404);
      expect(onMain.body).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
      expect((await bridge.request('GET', '/healthz')).status).toBe(200);

      expect(bridge.bridge.metricsApp).toBeDefined();
      const own = await listen(bridge.bridge.metricsApp!, metricsPort, bridge.state.log, '127.0.0.1');
      try {
        const ok = await fetch(`${own.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
        expect(ok.status).toBe(200);
        expect(await ok.text()).toContain('# TYPE wab_webhook_queue_jobs gauge');
        const denied = await fetch(`${own.url}/metrics`);
        expect(denied.status).toBe(401);
        expect(await denied.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
        // Only /metrics there: the API is not reachable through the metrics port.
        const other = await fetch(`${own.url}/healthz`);
        expect(other.status).toBe(404);
        expect((await other.json()).error.code).toBe('not_found');
      } finally {
        await own.shutdown(1_000);
      }
    } finally {
      await bridge.close();
    }
  });

  it('the bridge process listens on METRICS_PORT, says so, and stops both listeners on SIGTERM', async () => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const dbName = uniqueName('metricsproc');
    const env = {
      PATH: process.env.PATH,
      ...testEnv({ PORT: String(port), METRICS_PORT: String(metricsPort), REDIS_KEY_PREFIX: uniqueName('metricsproc'), MONGODB_URI: withDatabase(MONGODB_URI, dbName), LOG_LEVEL: 'info', WA_VERSION: '2.3000.1023223821' }),
    };
    const child = spawn(process.execPath, [main], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      // Both listeners are up when "bridge listening" is logged (the metrics line comes first).
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d) => {
          out += d;
          if (out.includes('bridge listening')) resolve();
        });
        void exited.then((code) => reject(new Error(`the bridge exited (${code}) before listening: ${err}${out}`)));
      });
      expect(out).toContain(`metrics listening on http://127.0.0.1:${metricsPort}/metrics`);
      expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await expect(fetch(`http://127.0.0.1:${metricsPort}/metrics`)).rejects.toThrow();
    } finally {
      child.kill('SIGKILL');
      const client = new MongoClient(MONGODB_URI);
      await client.db(dbName).dropDatabase().finally(() => client.close());
    }
  });
});

describe('metrics configuration', () => {
  it.each([
    [{ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN'],
    [{ METRICS_TOKEN: 'has a space in it, 16+' }, 'METRICS_TOKEN'],
    [{ METRICS_PORT: 'ninety' }, 'METRICS_PORT'],
    [{ METRICS_PORT: '70000' }, 'METRICS_PORT'],
    [{ METRICS_PORT: '0' }, 'METRICS_PORT'],
    [{ PORT: '3000', METRICS_PORT: '3000' }, 'METRICS_PORT'],
  ])('rejects %o naming %s', (override, variable) => {
    expect(() => loadConfig(testEnv(override))).toThrow(new RegExp(`^Invalid configuration: ${variable} `));
  });

  it('reads METRICS_TOKEN and METRICS_PORT; empty means unset', () => {
    const config = loadConfig(testEnv({ METRICS_TOKEN: TOKEN, METRICS_PORT: '9464' }));
    expect(config.metricsToken).toBe(TOKEN);
    expect(config.metricsPort).toBe(9464);
    const unset = loadConfig(testEnv({ METRICS_TOKEN: '', METRICS_PORT: '' }));
    expect(unset.metricsToken).toBeUndefined();
    expect(unset.metricsPort).toBeUndefined();
  });
});
