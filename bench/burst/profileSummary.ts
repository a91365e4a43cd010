/**
 * Summarises V8 .cpuprofile files (node --cpu-prof): self time aggregated by function + url and
 * by url alone, top entries first; with a third argument, the JS call paths (PROFILE_DEPTH frames, default 5) that lead to
 * the functions whose name contains it (which code a native function's time belongs to).
 * PROFILE_FROM/PROFILE_TO (µs, monotonic) keep only the samples of a window (burst.bench.ts prints its own).
 * PROFILE_DEPTH (frames, default 5) and PROFILE_FRAMES (only frames whose file contains it) shape them.
 * Usage: node bench/burst/profileSummary.ts <file.cpuprofile|dir> [top] [function]
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const target = process.argv[2] ?? '/tmp/burst-prof';
const top = Number(process.argv[3] ?? 15);
const callersOf = process.argv[4];
const files = statSync(target).isDirectory()
  ? readdirSync(target).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(target, f))
  : [target];

const short = (url: string) =>
  url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, 'node_modules/')
    .replace(/^\/work\/main\//, '') || '(native/vm)';

for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  // PROFILE_FROM/PROFILE_TO (µs, the profile's monotonic clock, as burst.bench.ts prints them): only samples in between.
  const from = Number(process.env.PROFILE_FROM ?? -Infinity);
  const to = Number(process.env.PROFILE_TO ?? Infinity);
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i] ?? 0;
    if (t >= from && t <= to) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map<string, number>();
  const byUrl = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const fn = `${functionName || '(anonymous)'} ${short(url)}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    byUrl.set(short(url), (byUrl.get(short(url)) ?? 0) + us);
    const s = short(url);
    const pkg = s.startsWith('node_modules/') ? s.split('/').slice(0, s.split('/')[1].startsWith('@') ? 3 : 2).join('/') : s.startsWith('node:') ? 'node: (core)' : s.startsWith('bridge/') ? 'bridge/src' : s;
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  }
  const print = (title: string, map: Map<string, number>) => {
    console.log(`  ${title}`);
    for (const [name, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`    ${(us / 1000).toFixed(0).padStart(7)} ms ${((us / total) * 100).toFixed(1).padStart(5)} %  ${name}`);
    }
  };
  console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled (profile ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s long${Number.isFinite(from) ? ', window only' : ''})`);
  print('self time by function', byFunction);
  print('self time by file', byUrl);
  print('self time by package', byPackage);
  if (callersOf) {
    const parent = new Map<number, number>();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const paths = new Map<string, number>();
    for (const [id, us] of self) {
      if (!byId.get(id)!.callFrame.functionName.includes(callersOf)) continue;
      const frames: string[] = [];
      // PROFILE_FRAMES: only frames whose file contains it (say bridge/src: which of the bridge's code it is).
      const only = process.env.PROFILE_FRAMES;
      for (let p = parent.get(id); p !== undefined && frames.length < Number(process.env.PROFILE_DEPTH ?? 5); p = parent.get(p)) {
        const { functionName, url, lineNumber } = byId.get(p)!.callFrame;
        if (url && (!only || short(url).includes(only))) frames.push(`${functionName || '(anonymous)'} ${short(url)}:${lineNumber + 1}`);
      }
      const key = frames.join(' < ') || '(no JS caller)';
      paths.set(key, (paths.get(key) ?? 0) + us);
    }
    print(`call paths to ${callersOf}`, paths);
  }
}
