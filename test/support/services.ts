import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

export interface DatabaseServer extends ControlledServer {
  /** Crashes PostgreSQL alone: FerretDB still accepts connections and answers every command with an error. start() brings it back. */
  stopStorage(): Promise<void>;
  /** Runs SQL on the PostgreSQL behind FerretDB (VACUUM, say). */
  sql(statement: string): Promise<void>;
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

const SERVER_SCRIPT = fileURLToPath(new URL('../../scripts/docdb/server.sh', import.meta.url));

async function serverScript(command: 'start' | 'kill' | 'kill-postgres', port: number, dir: string): Promise<void> {
  const child = spawn('bash', [SERVER_SCRIPT, command, String(port), dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`scripts/docdb/server.sh ${command} ${port} failed (${code}): ${stderr.trim()}`);
}

/**
 * A private database server of a test's own, on a free port: PostgreSQL 15 with DocumentDB and
 * FerretDB 2 in front, built by scripts/docdb/build.sh, its cluster in a temporary directory.
 * stop() is a crash of the whole server (FerretDB SIGKILL, PostgreSQL immediate shutdown): the
 * bridge sees connections refused, as with a MongoDB that went down. stopStorage() crashes only
 * the PostgreSQL behind FerretDB (a managed FerretDB whose storage fails). start() brings either
 * back with its data (PostgreSQL recovers from its WAL).
 */
export async function privateDatabase(): Promise<DatabaseServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'wab-db-'));
  let running = false;
  const server: DatabaseServer = {
    url: `mongodb://127.0.0.1:${port}/`,
    port,
    async start() {
      await serverScript('start', port, dir);
      running = true;
    },
    async stop() {
      if (!running) return;
      await serverScript('kill', port, dir);
      running = false;
    },
    async stopStorage() {
      await serverScript('kill-postgres', port, dir);
    },
    async sql(statement: string) {
      const child = spawn('bash', [SERVER_SCRIPT, 'psql', String(port), '-qAtc', statement], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DOCDB_DATA: dir } });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      if (code !== 0) throw new Error(`psql on the private database failed (${code}): ${stderr.trim()}`);
    },
    async dispose() {
      await serverScript('kill', port, dir).catch(() => undefined);
      running = false;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
