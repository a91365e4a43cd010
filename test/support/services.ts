import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, homedir } from 'node:os';
import { join } from 'node:path';

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs = 15_000): Promise<void> {
  const { connect } = await import('node:net');
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

/** A server process a test may stop and start again on the same port (outage tests). */
export interface ControlledServer {
  url: string;
  port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  dispose(): Promise<void>;
}

function controlled(port: number, url: string, launch: () => ChildProcess, cleanup: () => void = () => undefined): ControlledServer {
  let child: ChildProcess | undefined;
  // A process killed by a signal has a signalCode and no exitCode.
  const alive = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  const stop = async () => {
    if (!alive()) return;
    const exited = new Promise((r) => child!.once('exit', r));
    child!.kill('SIGKILL');
    await exited;
    child = undefined;
  };
  return {
    url,
    port,
    async start() {
      // Already running: a second process would fail to bind and leave this one orphaned.
      if (alive()) return;
      child = launch();
      await waitForPort(port);
    },
    stop,
    async dispose() {
      await stop();
      cleanup();
    },
  };
}

/** A private Redis on a free port (nothing on disk). */
export async function privateRedis(): Promise<ControlledServer> {
  const port = await freePort();
  const server = controlled(port, `redis://127.0.0.1:${port}`, () =>
    spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' }),
  );
  await server.start();
  return server;
}

export function ferretdbBinary(): string {
  const cache = process.env.WAB_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'whatsapp-bridge');
  return process.env.FERRETDB_BIN ?? join(cache, 'bin', 'ferretdb-v1.24.2');
}

function postgresAnswers(): boolean {
  return spawnSync('pg_isready', ['-q', '-h', '127.0.0.1', '-p', '5432']).status === 0;
}

function psql(sql: string): void {
  const result = spawnSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-qc', sql], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`psql failed: ${result.stderr}`);
}

/**
 * A private FerretDB on a free port whose data survives stop/start (outage tests). On the local
 * PostgreSQL (a database of its own, dropped on dispose) when it answers — far faster than SQLite
 * for write-heavy tests — else on SQLite in a temporary directory.
 */
export async function privateFerretdb(): Promise<ControlledServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'wab-ferret-'));
  const pgDatabase = postgresAnswers() ? `wab_private_${port}_${process.pid}` : undefined;
  if (pgDatabase) psql(`CREATE DATABASE ${pgDatabase}`);
  const backend = pgDatabase
    ? ['--handler=postgresql', `--postgresql-url=postgres://postgres@127.0.0.1:5432/${pgDatabase}?pool_max_conns=30`]
    : ['--handler=sqlite', `--sqlite-url=file:${dir}/`];
  const server = controlled(
    port,
    `mongodb://127.0.0.1:${port}/?maxPoolSize=5`, // its PostgreSQL pool is 30: FerretDB needs two per update
    () =>
      spawn(
        ferretdbBinary(),
        [`--listen-addr=127.0.0.1:${port}`, '--debug-addr=127.0.0.1:0', '--telemetry=disable', '--log-level=error', `--state-dir=${dir}`, ...backend],
        { stdio: 'ignore' },
      ),
    () => {
      rmSync(dir, { recursive: true, force: true });
      if (pgDatabase) psql(`DROP DATABASE IF EXISTS ${pgDatabase} WITH (FORCE)`);
    },
  );
  await server.start();
  return server;
}
