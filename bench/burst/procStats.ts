/** RSS and CPU time of processes, from /proc (Linux). */
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { MongoClient } from 'mongodb';

const TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** VmRSS in MiB, or NaN when the process is gone. */
export function rssMiB(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
    return line ? Number(line.split(/\s+/)[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

interface Stat {
  comm: string;
  ppid: number;
  /** utime+stime, seconds. */
  own: number;
  /** cutime+cstime (reaped children), seconds. */
  children: number;
}

function stat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const f = text.slice(close + 2).split(' '); // f[0] = state (field 3)
    return { comm, ppid: Number(f[1]), own: (Number(f[11]) + Number(f[12])) / TICKS, children: (Number(f[13]) + Number(f[14])) / TICKS };
  } catch {
    return undefined;
  }
}

/** utime+stime of one process, seconds. */
export function cpuSeconds(pid: number): number {
  return stat(pid)?.own ?? NaN;
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/**
 * The database's processes: every ferretdb process, and every postgres postmaster with its
 * children (backends, walwriter…). Only the local server scripts/services.sh starts when
 * `match` (a cmdline substring) is given.
 */
export function databasePids(match = process.env.BURST_DB_MATCH ?? '/whatsapp-bridge/docdb/'): { ferretdb: number[]; postmasters: number[] } {
  const pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  const ferretdb: number[] = [];
  const postmasters: number[] = [];
  for (const pid of pids) {
    const s = stat(pid);
    if (!s) continue;
    if (s.comm === 'ferretdb' && cmdline(pid).includes(match)) ferretdb.push(pid);
    if (s.comm === 'postgres' && cmdline(pid).includes(match)) postmasters.push(pid);
  }
  return { ferretdb, postmasters };
}

/**
 * CPU seconds the database has used so far: ferretdb's, each postmaster's own and reaped
 * children's, and its live children's. A difference of two readings is the CPU in between.
 */
export function databaseCpuSeconds(): { total: number; ferretdb: number; postgres: number } {
  const { ferretdb, postmasters } = databasePids();
  let f = 0;
  for (const pid of ferretdb) f += cpuSeconds(pid) || 0;
  let p = 0;
  const masters = new Set(postmasters);
  for (const pid of postmasters) {
    const s = stat(pid);
    if (s) p += s.own + s.children;
  }
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const s = stat(Number(d));
    if (s && masters.has(s.ppid)) p += s.own + s.children;
  }
  return { total: f + p, ferretdb: f, postgres: p };
}

/**
 * The database server's command counters (serverStatus metrics.commands, which FerretDB keeps):
 * server-wide, so anything else using the server in between is counted too. Empty when the
 * server does not report them.
 */
export async function databaseCommands(uri: string): Promise<Record<string, number>> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 3_000 });
  try {
    const status = await client.db('admin').command({ serverStatus: 1 });
    const commands = (status.metrics?.commands ?? {}) as Record<string, { total?: number | { toNumber(): number } }>;
    return Object.fromEntries(Object.entries(commands).map(([name, c]) => [name, Number(c?.total ?? 0)]));
  } catch {
    return {};
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** after − before, the commands that changed, most first. */
export function commandDelta(before: Record<string, number>, after: Record<string, number>): Array<[string, number]> {
  return Object.entries(after)
    .map(([name, total]): [string, number] => [name, total - (before[name] ?? 0)])
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
}
