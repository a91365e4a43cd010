import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../../bridge/src/config.ts';
import { healthRouter, metricsRouter } from '../../bridge/src/http/routes/health/router.ts';
import type { AppState } from '../../bridge/src/appState.ts';
import { N8N_VERSION } from '../e2e/n8nHarness.ts';

/**
 * The container files (Dockerfile, docker/n8n.Dockerfile, docker-compose.yml, .dockerignore)
 * checked against the code without Docker: this machine has no Docker daemon, so they have never
 * been built or run here. With a compose binary on the PATH (`docker compose` or
 * `docker-compose`, or COMPOSE_BIN), `config` also validates the file against the Compose spec.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

interface Instruction {
  name: string;
  args: string;
}

/** A Dockerfile's instructions: comments dropped, continuation lines joined. */
function dockerfile(path: string): Instruction[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of read(path).split('\n')) {
    const line = raw.trimEnd();
    if (!current && (line.trim().startsWith('#') || !line.trim())) continue;
    if (current && line.trim().startsWith('#')) continue;
    current += (current ? ' ' : '') + line.trim().replace(/\\$/, '').trim();
    if (!line.endsWith('\\')) {
      logical.push(current);
      current = '';
    }
  }
  return logical.map((l) => {
    const [, name, args] = /^(\S+)\s*(.*)$/.exec(l)!;
    return { name: name.toUpperCase(), args };
  });
}

/** COPY sources from the build context (not --from=stage). */
function copiedFromContext(instructions: Instruction[]): string[] {
  return instructions
    .filter((i) => i.name === 'COPY' && !/--from=/.test(i.args))
    .flatMap((i) => {
      const words = i.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      return words.slice(0, -1);
    });
}

/** .dockerignore patterns as gitignore-like matchers (the subset used there: names, paths, **\/name). */
function ignored(path: string): string | undefined {
  const patterns = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const segments = path.replace(/\/$/, '').split('/');
  for (const pattern of patterns) {
    if (pattern.startsWith('!')) continue;
    const p = pattern.replace(/\/$/, '');
    if (p.startsWith('**/')) {
      if (segments.includes(p.slice(3))) return pattern;
    } else if (p.includes('*')) {
      const re = new RegExp(`^${p.replace(/[.]/g, '\\.').replace(/\*/g, '[^/]*')}(/|$)`);
      if (re.test(path)) return pattern;
    } else if (path === p || path.startsWith(`${p}/`)) {
      return pattern;
    }
  }
  return undefined;
}

const ENV_FROM_EXAMPLE = (): Record<string, string> => ({
  BRIDGE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  BRIDGE_ADMIN_KEY: `adm_${randomBytes(18).toString('hex')}`,
  N8N_ENCRYPTION_KEY: randomBytes(24).toString('hex'),
  METRICS_TOKEN: '',
});

/** Compose's interpolation of ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?:(:?)([-?])([^}]*))?\}/g, (_, name: string, colon: string, op: string, arg: string) => {
    const set = name in env && (colon ? env[name] !== '' : true);
    if (set) return env[name];
    if (op === '-') return arg;
    if (op === '?') throw new Error(`${name}: ${arg}`);
    return '';
  });
}

type Service = {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string>;
  ports?: string[];
  expose?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  init?: boolean;
  stop_grace_period?: string;
};
const compose = parse(read('docker-compose.yml')) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const bridgeDocker = dockerfile('Dockerfile');
const n8nDocker = dockerfile('docker/n8n.Dockerfile');

function envOf(instructions: Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of instructions.filter((x) => x.name === 'ENV')) {
    for (const [, k, v] of i.args.matchAll(/([A-Z0-9_]+)=(\S+)/g)) env[k] = v;
  }
  return env;
}

/** The health router's paths, as the bridge serves them (built without a database: it only reads config). */
function routesOf(metricsPort?: number): { main: string[]; metrics: string[] } {
  const state = { config: { metricsPort, metricsToken: undefined, instanceId: 'x', waSandbox: false } } as unknown as AppState;
  return { main: healthRouter(state).stack.map((l) => String(l.path)), metrics: metricsRouter(state).stack.map((l) => String(l.path)) };
}

describe('Dockerfile (the bridge)', () => {
  it('is multi-stage, runs as a non-root user, with a health check on /healthz', () => {
    expect(bridgeDocker.filter((i) => i.name === 'FROM').length).toBeGreaterThanOrEqual(2);
    const users = bridgeDocker.filter((i) => i.name === 'USER').map((i) => i.args);
    expect(users.at(-1)).toBe('node');
    const health = bridgeDocker.find((i) => i.name === 'HEALTHCHECK');
    expect(health?.args).toContain('/healthz');
    expect(routesOf().main).toContain('/healthz');
    // /healthz stays on the main port when METRICS_PORT moves /metrics.
    expect(routesOf(9464).main).toContain('/healthz');
    expect(routesOf(9464).main).not.toContain('/metrics');
    expect(routesOf(9464).metrics).toEqual(['/metrics']);
  });

  it('copies only files that exist and that .dockerignore lets through', () => {
    const sources = copiedFromContext(bridgeDocker);
    expect(sources).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', '.npmrc', 'bridge/package.json', 'bridge/src']));
    for (const source of sources) {
      expect(existsSync(join(ROOT, source)), source).toBe(true);
      expect(ignored(source), `${source} is excluded by .dockerignore`).toBeUndefined();
    }
    expect(ignored('node_modules')).toBeDefined();
    expect(ignored('bridge/node_modules')).toBeDefined();
  });

  it('installs with the scripts-free .npmrc and runs what bridge/package.json starts, from bridge/', () => {
    expect(read('.npmrc')).toMatch(/^ignore-scripts=true$/m);
    const bridgePackage = JSON.parse(read('bridge/package.json')) as { scripts: { start: string }; main: string };
    const cmd = JSON.parse(bridgeDocker.filter((i) => i.name === 'CMD').at(-1)!.args) as string[];
    expect(cmd.join(' ')).toBe(bridgePackage.scripts.start);
    const workdir = bridgeDocker.filter((i) => i.name === 'WORKDIR').at(-1)!.args;
    expect(workdir).toBe('/app/bridge');
    // WORKDIR /app + COPY bridge/src ./bridge/src: the entry point is at /app/bridge/src/main.ts.
    expect(existsSync(join(ROOT, 'bridge', cmd[1]))).toBe(true);
    expect(bridgePackage.main).toBe(cmd[1]);
    expect(bridgeDocker.some((i) => i.name === 'RUN' && /npm ci --workspace=bridge --omit=dev/.test(i.args))).toBe(true);
  });

  it('uses the Node version the scripts install', () => {
    const scriptsVersion = /^NODE_VERSION="([^"]+)"/m.exec(read('scripts/lib.sh'))?.[1];
    const arg = bridgeDocker.find((i) => i.name === 'ARG' && i.args.startsWith('NODE_VERSION='))?.args.split('=')[1];
    expect(arg).toBe(scriptsVersion);
    expect(n8nDocker.find((i) => i.name === 'ARG' && i.args.startsWith('NODE_VERSION='))?.args.split('=')[1]).toBe(scriptsVersion);
  });

  it('sets only variables the bridge knows, to values it accepts', () => {
    const env = envOf(bridgeDocker);
    expect(Object.keys(env).length).toBeGreaterThan(0);
    for (const name of Object.keys(env)) expect(CONFIG_VARIABLES, name).toContain(name);
    const config = loadConfig({ ...env, BRIDGE_ENCRYPTION_KEY: randomBytes(32).toString('base64') });
    expect(config.spoolDir).toBe('/var/lib/whatsapp-bridge/spool');
    const exposed = bridgeDocker.filter((i) => i.name === 'EXPOSE').flatMap((i) => i.args.split(/\s+/));
    expect(exposed).toContain(String(config.port));
  });
});

describe('docker-compose.yml', () => {
  it('has MongoDB 7, Redis 7, the bridge and n8n', () => {
    const { services } = compose;
    expect(Object.keys(services).sort()).toEqual(['bridge', 'mongodb', 'n8n', 'redis']);
    expect(services.mongodb.image).toMatch(/^mongo:7(\.|$)/);
    expect(services.redis.image).toMatch(/^redis:7(\.|$)/);
    expect(services.bridge.build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
    expect(services.n8n.build).toEqual({ context: '.', dockerfile: 'docker/n8n.Dockerfile' });
    for (const service of Object.values(services)) {
      if (service.build) expect(existsSync(join(ROOT, service.build.context, service.build.dockerfile))).toBe(true);
      for (const volume of service.volumes ?? []) expect(Object.keys(compose.volumes)).toContain(volume.split(':')[0]);
    }
    expect(services.bridge.depends_on).toEqual({ mongodb: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
    expect(services.n8n.depends_on).toEqual({ bridge: { condition: 'service_healthy' } });
    for (const name of ['mongodb', 'redis', 'n8n']) expect(services[name].healthcheck?.test.length, name).toBeGreaterThan(0);
  });

  it("gives the bridge only variables it knows, and they make a valid configuration", () => {
    const environment = compose.services.bridge.environment!;
    for (const name of Object.keys(environment)) expect(CONFIG_VARIABLES, `${name} (docker-compose.yml)`).toContain(name);
    const hostEnv = ENV_FROM_EXAMPLE();
    const env = Object.fromEntries(Object.entries(environment).map(([k, v]) => [k, interpolate(String(v), hostEnv)]));
    // The image's ENV under the compose file's, as Docker applies them.
    const config = loadConfig({ ...envOf(bridgeDocker), ...env });
    expect(config.mongodbUri).toBe('mongodb://mongodb:27017/whatsapp-bridge');
    expect(config.redisUrl).toBe('redis://redis:6379');
    expect(config.metricsPort).toBe(9464);
    expect(config.metricsToken).toBeUndefined(); // METRICS_TOKEN empty in .env: no token
    expect(loadConfig({ ...envOf(bridgeDocker), ...env, METRICS_TOKEN: 'a-metrics-token-of-24-chars' }).metricsToken).toBeDefined();
    // Required secrets fail with the message the compose file gives.
    expect(() => interpolate(String(environment.BRIDGE_ENCRYPTION_KEY), {})).toThrow(/BRIDGE_ENCRYPTION_KEY/);

    // Ports: the published one is PORT; the metrics port is only exposed on the compose network.
    const published = compose.services.bridge.ports!.map((p) => interpolate(p, hostEnv));
    expect(published).toEqual([`127.0.0.1:3000:${config.port}`]);
    expect(compose.services.bridge.expose).toEqual([String(config.metricsPort)]);
    const exposed = bridgeDocker.filter((i) => i.name === 'EXPOSE').flatMap((i) => i.args.split(/\s+/));
    expect(exposed).toEqual(expect.arrayContaining([String(config.port), String(config.metricsPort)]));

    // The spool volume is where the image points BRIDGE_SPOOL_DIR.
    const dataMount = compose.services.bridge.volumes!.map((v) => v.split(':')[1]);
    expect(dataMount.some((target) => config.spoolDir.startsWith(`${target}/`))).toBe(true);
    // Longer than main.ts's hard stop (SHUTDOWN_TIMEOUT_MS + 5 s).
    expect(Number.parseInt(compose.services.bridge.stop_grace_period!, 10) * 1_000).toBeGreaterThan(config.shutdownTimeoutMs + 5_000);
    expect(compose.services.bridge.init).toBe(true);
  });

  it('lists every variable it reads in docker/compose.env.example', () => {
    const text = read('docker-compose.yml');
    const used = new Set([...text.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]));
    const example = read('docker/compose.env.example');
    for (const name of used) expect(example, name).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
  });

  it('n8n reaches the bridge by service name and the bridge may deliver to it', () => {
    const n8n = compose.services.n8n.environment!;
    expect(n8n.WEBHOOK_URL).toContain('http://n8n:5678/');
    expect(compose.services.bridge.environment!.WEBHOOK_ALLOW_PRIVATE_NETWORKS).toBe('true');
    expect(compose.services.n8n.volumes).toEqual(['n8n-data:/home/node/.n8n']);
  });
});

describe('docker/n8n.Dockerfile', () => {
  const pkg = JSON.parse(read('package.json')) as { name: string; files: string[]; scripts: Record<string, string>; n8n: { nodes: string[]; credentials: string[] }; dependencies?: object };

  it('builds the package from sources that exist and the build reads', () => {
    const sources = copiedFromContext(n8nDocker);
    for (const source of sources) {
      expect(existsSync(join(ROOT, source)), source).toBe(true);
      expect(ignored(source), `${source} is excluded by .dockerignore`).toBeUndefined();
    }
    // What npm run build (tsc -p tsconfig.build.json && gulp build:icons) and npm pack need.
    expect(sources).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', '.npmrc', 'bridge/package.json', 'tsconfig.json', 'tsconfig.build.json', 'gulpfile.js', 'nodes', 'credentials']));
    expect(pkg.scripts.build).toBe('tsc -p tsconfig.build.json && gulp build:icons');
    expect(n8nDocker.some((i) => i.name === 'RUN' && i.args.includes('npm run build') && i.args.includes('npm pack'))).toBe(true);
    // The tarball npm pack writes is the one unpacked.
    expect(n8nDocker.some((i) => i.name === 'RUN' && i.args.includes(`${pkg.name}-*.tgz`))).toBe(true);
  });

  it('every node and credential the package declares is compiled from a source it copies', () => {
    expect(pkg.files).toEqual(['dist']);
    expect(pkg.dependencies).toBeUndefined(); // nothing to install next to n8n
    for (const built of [...pkg.n8n.nodes, ...pkg.n8n.credentials]) {
      const source = built.replace(/^dist\//, '').replace(/\.js$/, '.ts');
      expect(existsSync(join(ROOT, source)), `${built} ← ${source}`).toBe(true);
      expect(['nodes', 'credentials']).toContain(source.split('/')[0]);
    }
  });

  it('runs the n8n version the end-to-end test uses, with the package where n8n loads community packages', () => {
    expect(n8nDocker.find((i) => i.name === 'ARG' && i.args.startsWith('N8N_VERSION='))?.args.split('=')[1]).toBe(N8N_VERSION);
    expect(n8nDocker.filter((i) => i.name === 'FROM').at(-1)?.args).toBe('n8nio/n8n:${N8N_VERSION}');
    const target = n8nDocker.find((i) => i.name === 'COPY' && i.args.includes('--from=build'))!.args.split(/\s+/).at(-1)!;
    const entrypoint = read('docker/n8n-entrypoint.sh');
    expect(entrypoint).toContain(`package=${target}`);
    expect(entrypoint).toContain('.n8n/nodes');
    expect(entrypoint).toContain(`node_modules/${pkg.name}`);
    expect(entrypoint).toMatch(/exec \/docker-entrypoint\.sh "\$@"/);
    expect(statSync(join(ROOT, 'docker/n8n-entrypoint.sh')).mode & 0o111).not.toBe(0);
    expect(n8nDocker.filter((i) => i.name === 'USER').at(-1)?.args).toBe('node');
  });

  it('installs the package into a user folder the way n8n finds it, and hands over to the official entrypoint', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wab-n8n-entrypoint-'));
    try {
      const packageDir = join(dir, 'opt-package');
      spawnSync('mkdir', ['-p', join(packageDir, 'dist')]);
      writeFileSync(join(packageDir, 'package.json'), JSON.stringify({ name: pkg.name, version: '9.9.9' }));
      writeFileSync(join(dir, 'official.sh'), '#!/bin/sh\necho "official: $*"\n', { mode: 0o755 });
      const script = read('docker/n8n-entrypoint.sh').replace(/^package=.*$/m, `package=${packageDir}`).replace('/docker-entrypoint.sh', join(dir, 'official.sh'));
      writeFileSync(join(dir, 'entrypoint.sh'), script, { mode: 0o755 });
      const home = join(dir, 'home');
      const run = () => spawnSync('sh', [join(dir, 'entrypoint.sh'), 'start'], { env: { PATH: process.env.PATH, HOME: home }, encoding: 'utf8' });
      const first = run();
      expect(first.stderr).toBe('');
      expect(first.stdout.trim()).toBe('official: start');
      const installed = join(home, '.n8n', 'nodes');
      expect(JSON.parse(readFileSync(join(installed, 'node_modules', pkg.name, 'package.json'), 'utf8')).version).toBe('9.9.9');
      // Another community package installed through n8n's UI stays listed.
      writeFileSync(join(installed, 'package.json'), JSON.stringify({ name: 'installed-nodes', private: true, dependencies: { 'n8n-nodes-other': '1.0.0' } }));
      expect(run().status).toBe(0);
      expect(JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')).dependencies).toEqual({ 'n8n-nodes-other': '1.0.0', [pkg.name]: '9.9.9' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** `docker compose`, `docker-compose` or COMPOSE_BIN, if one runs here. */
function composeCommand(): string[] | undefined {
  const candidates = [process.env.COMPOSE_BIN ? [process.env.COMPOSE_BIN] : undefined, ['docker', 'compose'], ['docker-compose']].filter(Boolean) as string[][];
  return candidates.find(([bin, ...rest]) => spawnSync(bin, [...rest, 'version'], { encoding: 'utf8' }).status === 0);
}

describe('docker compose config', () => {
  const command = composeCommand();
  it.skipIf(!command)('accepts the file (Compose specification) with the example .env filled in', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wab-compose-'));
    try {
      const envFile = join(dir, '.env');
      writeFileSync(envFile, Object.entries(ENV_FROM_EXAMPLE()).map(([k, v]) => `${k}=${v}`).join('\n'));
      const [bin, ...rest] = command!;
      const result = spawnSync(bin, [...rest, '--project-directory', ROOT, '-f', join(ROOT, 'docker-compose.yml'), '--env-file', envFile, 'config', '--format', 'json'], { encoding: 'utf8' });
      expect(result.stderr).not.toMatch(/error/i);
      expect(result.status).toBe(0);
      const resolved = JSON.parse(result.stdout) as { services: Record<string, Service & { environment: Record<string, string> }> };
      expect(resolved.services.bridge.environment.METRICS_PORT).toBe('9464');
      expect(loadConfig({ ...envOf(bridgeDocker), ...resolved.services.bridge.environment }).metricsPort).toBe(9464);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
