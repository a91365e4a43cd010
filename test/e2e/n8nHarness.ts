/**
 * Runs a real n8n (pinned version, installed by scripts/e2e-n8n.sh into the cache outside the
 * repository) on Node 24 against a fresh PostgreSQL database, with this package installed the
 * way users install it: the `npm pack` tarball unpacked into <user folder>/.n8n/nodes/node_modules.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/services.ts';

export const N8N_VERSION = '2.39.10';
const ROOT = join(import.meta.dirname, '..', '..');
const CACHE = process.env.WAB_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'whatsapp-bridge');
export const N8N_DIR = process.env.N8N_E2E_DIR ?? join(CACHE, `n8n-${N8N_VERSION}`);
const N8N_BIN = join(N8N_DIR, 'node_modules', 'n8n', 'bin', 'n8n');
const PG = { host: process.env.E2E_PGHOST ?? '127.0.0.1', port: process.env.E2E_PGPORT ?? '5432', user: process.env.E2E_PGUSER ?? 'postgres' };

function psql(sql: string): void {
  execFileSync('psql', ['-h', PG.host, '-p', PG.port, '-U', PG.user, '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-qc', sql], { stdio: 'pipe' });
}

/** Packs the built package and unpacks it as an installed community package. */
function installPackage(userFolder: string): string {
  if (!existsSync(join(ROOT, 'dist', 'nodes', 'WhatsAppBridge', 'WhatsAppBridge.node.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first (scripts/e2e-n8n.sh does)');
  }
  const packDir = join(userFolder, 'pack');
  mkdirSync(packDir, { recursive: true });
  const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', packDir], { cwd: ROOT, encoding: 'utf8' });
  const tarball = join(packDir, out.trim().split('\n').at(-1)!);
  const target = join(userFolder, '.n8n', 'nodes', 'node_modules', 'n8n-nodes-whatsapp-bridge');
  mkdirSync(target, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', target, '--strip-components=1']);
  writeFileSync(join(userFolder, '.n8n', 'nodes', 'package.json'), JSON.stringify({ name: 'installed-nodes', private: true, dependencies: { 'n8n-nodes-whatsapp-bridge': '*' } }));
  return target;
}

export interface RestResponse {
  status: number;
  body: any;
}

export interface N8n {
  url: string;
  port: number;
  database: string;
  userFolder: string;
  /** Runs an n8n CLI command against the same database and user folder. */
  cli(args: string[]): string;
  start(): Promise<void>;
  /** Owner set-up and login; afterwards rest() is authenticated. */
  login(): Promise<void>;
  rest(method: string, path: string, body?: unknown): Promise<RestResponse>;
  writeJson(name: string, value: unknown): string;
  log(): string;
  stop(): Promise<void>;
  /** Stops n8n and drops the database and temp folder. */
  destroy(): Promise<void>;
}

export async function createN8n(): Promise<N8n> {
  if (!existsSync(N8N_BIN)) throw new Error(`n8n ${N8N_VERSION} is not installed at ${N8N_DIR}: run scripts/e2e-n8n.sh`);
  const port = await freePort();
  const database = `n8n_e2e_${randomBytes(5).toString('hex')}`;
  psql(`CREATE DATABASE ${database}`);
  const userFolder = mkdtempSync(join(tmpdir(), 'n8n-e2e-'));
  installPackage(userFolder);
  const url = `http://127.0.0.1:${port}`;
  const logFile = join(userFolder, 'n8n.log');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: userFolder,
    N8N_USER_FOLDER: userFolder,
    N8N_PORT: String(port),
    N8N_LISTEN_ADDRESS: '127.0.0.1',
    N8N_HOST: '127.0.0.1',
    N8N_PROTOCOL: 'http',
    WEBHOOK_URL: `${url}/`,
    N8N_ENCRYPTION_KEY: randomBytes(24).toString('hex'),
    DB_TYPE: 'postgresdb',
    DB_POSTGRESDB_HOST: PG.host,
    DB_POSTGRESDB_PORT: PG.port,
    DB_POSTGRESDB_USER: PG.user,
    DB_POSTGRESDB_PASSWORD: '',
    DB_POSTGRESDB_DATABASE: database,
    N8N_DIAGNOSTICS_ENABLED: 'false',
    N8N_PERSONALIZATION_ENABLED: 'false',
    N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
    N8N_TEMPLATES_ENABLED: 'false',
    N8N_HIRING_BANNER_ENABLED: 'false',
    N8N_SECURE_COOKIE: 'false',
    N8N_PUBLIC_API_DISABLED: 'true',
    N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
    N8N_LOG_LEVEL: process.env.N8N_E2E_LOG_LEVEL ?? 'info',
    N8N_LOG_OUTPUT: 'console',
    EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'all',
    EXECUTIONS_DATA_SAVE_ON_ERROR: 'all',
    NODE_ENV: 'production',
  };
  let child: ChildProcess | undefined;
  let cookie = '';
  const browserId = randomBytes(8).toString('hex');

  const n8n: N8n = {
    url,
    port,
    database,
    userFolder,
    cli(args) {
      try {
        return execFileSync(process.execPath, [N8N_BIN, ...args], { env, encoding: 'utf8', stdio: 'pipe', timeout: 180_000 });
      } catch (error) {
        const e = error as { stdout?: string; stderr?: string; message: string };
        throw new Error(`n8n ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`, { cause: error });
      }
    },
    async start() {
      const out = createWriteStream(logFile, { flags: 'a' });
      child = spawn(process.execPath, [N8N_BIN, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.pipe(out);
      child.stderr!.pipe(out);
      let exited: number | null = null;
      child.once('exit', (code) => {
        exited = code ?? -1;
      });
      const deadline = Date.now() + 180_000;
      while (Date.now() < deadline) {
        if (exited !== null) throw new Error(`n8n exited with ${exited} during start-up:\n${n8n.log().slice(-4000)}`);
        try {
          const res = await fetch(`${url}/healthz/readiness`);
          if (res.status === 200) {
            // The REST API (and the community packages) come up right after readiness.
            const settings = await fetch(`${url}/rest/settings`);
            if (settings.status === 200) return;
          }
        } catch {
          // not listening yet
        }
        await new Promise((r) => setTimeout(r, 500));
      }
      throw new Error(`n8n did not become ready in 180 s:\n${n8n.log().slice(-4000)}`);
    },
    async rest(method, path, body) {
      const res = await fetch(`${url}/rest${path}`, {
        method,
        headers: { 'content-type': 'application/json', 'browser-id': browserId, ...(cookie ? { cookie } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON
      }
      const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('n8n-auth='));
      if (setCookie) cookie = setCookie.split(';')[0];
      return { status: res.status, body: parsed };
    },
    async login() {
      const owner = { email: 'owner@e2e.test', firstName: 'E2E', lastName: 'Owner', password: 'E2e-Password-123' };
      const setup = await n8n.rest('POST', '/owner/setup', owner);
      if (setup.status !== 200) throw new Error(`owner setup: ${setup.status} ${JSON.stringify(setup.body)}`);
      const login = await n8n.rest('POST', '/login', { emailOrLdapLoginId: owner.email, password: owner.password });
      if (login.status !== 200) throw new Error(`login: ${login.status} ${JSON.stringify(login.body)}`);
    },
    writeJson(name, value) {
      const file = join(userFolder, name);
      writeFileSync(file, JSON.stringify(value, null, 2));
      return file;
    },
    log() {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return '';
      }
    },
    async stop() {
      const proc = child;
      child = undefined;
      if (!proc || proc.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
    async destroy() {
      await n8n.stop();
      try {
        psql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      } catch {
        // best effort
      }
      if (!process.env.N8N_E2E_KEEP) rmSync(userFolder, { recursive: true, force: true });
    },
  };
  return n8n;
}
