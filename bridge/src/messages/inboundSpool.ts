import { appendFileSync, closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, unlinkSync } from 'node:fs';
import { readJsonLines } from '../infra/jsonLines.ts';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from '../infra/logger.ts';
import type { InboundJob } from './inboundJob.ts';

/**
 * The last resort of the inbound path: writes that neither MongoDB nor Redis took, appended to a
 * local file (one JSON job per line, fsynced) instead of being held only in memory. A later start
 * of any bridge on this host (or this one, once Redis answers) puts them on the retry queue.
 */
export function inboundSpool(dir: string, instanceId: string, log: Logger) {
  const safeId = instanceId.replace(/[^A-Za-z0-9_-]/g, '_');
  const file = join(dir, `inbound-${safeId}.jsonl`);

  return {
    dir,
    /** Appends synchronously: when this returns, the jobs are on disk. */
    append(jobs: InboundJob[]): void {
      if (jobs.length === 0) return;
      mkdirSync(dir, { recursive: true });
      appendFileSync(file, jobs.map((job) => JSON.stringify(job)).join('\n') + '\n');
      const fd = openSync(file, 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    },

    /**
     * Hands every spooled job to `take` (file by file; a file another process is draining is
     * skipped) and removes what was taken. A file whose jobs `take` refused stays for the next try.
     */
    async drain(take: (jobs: InboundJob[]) => Promise<void>): Promise<number> {
      let names: string[];
      try {
        names = readdirSync(dir).filter((name) => name.endsWith('.jsonl'));
      } catch {
        return 0; // no spool yet
      }
      let taken = 0;
      for (const name of names) {
        const claimed = join(dir, `${name}.draining-${process.pid}-${randomBytes(3).toString('hex')}`);
        try {
          renameSync(join(dir, name), claimed);
        } catch {
          continue; // another process took it
        }
        const jobs = readJsonLines<InboundJob>(claimed, () => log.error({ file: claimed }, 'an unreadable line in the inbound spool (skipped)'));
        try {
          await take(jobs);
          unlinkSync(claimed);
          taken += jobs.length;
        } catch (err) {
          renameSync(claimed, join(dir, `back-${randomBytes(4).toString('hex')}-${name}`));
          throw err;
        }
      }
      if (taken) log.warn({ taken }, 'spooled inbound writes put on the retry queue');
      return taken;
    },
  };
}

export type InboundSpool = ReturnType<typeof inboundSpool>;
