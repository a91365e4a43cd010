import { appendFileSync, mkdirSync, readdirSync, renameSync, unlinkSync } from 'node:fs';
import { readJsonLines } from '../infra/jsonLines.ts';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { BufferJSON, type WAMessage } from '@whiskeysockets/baileys';
import type { Logger } from '../infra/logger.ts';

/** What a socket handed the bridge in one `messages.upsert`, as Baileys emitted it. */
export interface JournalEntry {
  organizationId: string;
  /** The session's name and id. */
  session: string;
  sessionId: string;
  /** The account's own JIDs at the time (who "me" is, for fromMe and our own number). */
  me: { id: string; lid?: string } | null;
  messages: WAMessage[];
}

/** A segment is closed (and a new one started) after this many entries or this long. */
const SEGMENT_ENTRIES = 2_000;
const SEGMENT_MS = 5_000;

interface Segment {
  file: string;
  entries: number;
  openedAt: number;
  /** Entries not yet released (their writes not yet stored, queued or spooled). */
  outstanding: number;
  closed: boolean;
}

/**
 * The inbound journal: Baileys acknowledges a message to WhatsApp before it emits it, so from that
 * moment the bridge holds the only copy. Each upsert is appended to a local file synchronously,
 * before any asynchronous step, and released once its writes are stored or queued; a segment
 * whose entries are all released is deleted. A process killed in between leaves its segments, and
 * the next start on this host replays them (every write is idempotent, so a replay of what was
 * stored already changes nothing). The appends are not fsynced: they survive the process (kill -9,
 * a crash, an out-of-memory kill), not the machine losing power.
 */
export function inboundJournal(dir: string, instanceId: string, log: Logger) {
  const safeId = instanceId.replace(/[^A-Za-z0-9_-]/g, '_');
  // Unique to this process: a leftover with another run's token is from a process that is gone.
  const run = `${safeId}.${process.pid}.${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const segments = new Set<Segment>();
  let current: Segment | undefined;
  let seq = 0;
  let ready = false;

  function segment(): Segment {
    const now = Date.now();
    if (current && current.entries < SEGMENT_ENTRIES && now - current.openedAt < SEGMENT_MS) return current;
    if (current) close(current);
    if (!ready) {
      // Message content, like the database holds it: readable by the bridge's user only.
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      ready = true;
    }
    current = { file: join(dir, `${run}.${++seq}.journal`), entries: 0, openedAt: now, outstanding: 0, closed: false };
    segments.add(current);
    return current;
  }

  function close(s: Segment): void {
    s.closed = true;
    removeIfDone(s);
  }

  function removeIfDone(s: Segment): void {
    if (!s.closed || s.outstanding > 0) return;
    segments.delete(s);
    if (s.entries === 0) return;
    try {
      unlinkSync(s.file);
    } catch (err) {
      log.warn({ err, file: s.file }, 'could not remove a finished journal segment');
    }
  }

  return {
    dir,
    /**
     * Appends the entry (on disk when this returns, in the page cache) and returns its release,
     * to call once its writes are stored or queued. If the file cannot be written, the message
     * still goes on (logged): the journal narrows a window, it is not a gate.
     */
    record(entry: JournalEntry): () => void {
      let s: Segment;
      try {
        s = segment();
        appendFileSync(s.file, `${JSON.stringify(entry, BufferJSON.replacer)}\n`, { mode: 0o600 });
      } catch (err) {
        log.error({ err, dir }, 'could not append to the inbound journal; the messages go on without it');
        return () => undefined;
      }
      s.entries += 1;
      s.outstanding += 1;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        s.outstanding -= 1;
        removeIfDone(s);
      };
    },

    /**
     * Segments left by processes that are gone (killed before their writes were handed on):
     * claimed (renamed, so another process does not take them too), handed to `replay`, then
     * deleted. A segment whose replay throws is put back for the next start. Returns how many
     * entries it replayed.
     */
    async replayLeftovers(replay: (entries: JournalEntry[]) => Promise<void>): Promise<number> {
      let names: string[];
      try {
        names = readdirSync(dir).filter((name) => name.endsWith('.journal') && !name.startsWith(`${run}.`));
      } catch {
        return 0; // no journal yet
      }
      let replayed = 0;
      for (const name of names) {
        if (ownedByLiveProcess(name)) continue;
        const claimed = join(dir, `${name}.replaying-${run}`);
        try {
          renameSync(join(dir, name), claimed);
        } catch {
          continue; // another process took it
        }
        // A line cut short by the kill: its messages' receipts had not left yet either (they wait
        // for the next turn of the event loop: baileysSocket.ts), so WhatsApp sends them again.
        const entries = readJsonLines<JournalEntry>(
          claimed,
          () => log.warn({ file: claimed }, 'an incomplete line at the end of a journal segment; skipped'),
          BufferJSON.reviver,
        );
        try {
          await replay(entries);
          unlinkSync(claimed);
          replayed += entries.length;
        } catch (err) {
          renameSync(claimed, join(dir, name));
          throw err;
        }
      }
      if (replayed) log.warn({ entries: replayed }, 'replayed the inbound journal of a process that stopped before storing what it had received');
      return replayed;
    },

    /** At shutdown: the current segment is closed, and deleted if everything in it was handed on. */
    close(): void {
      if (current) close(current);
      current = undefined;
    },

    /** Segments still on disk (for tests). */
    openSegments(): number {
      return segments.size;
    },
  };
}

/** A segment named `<instance>.<pid>.<token>.<seq>.journal` whose pid still runs belongs to a live process (here, another bridge). */
function ownedByLiveProcess(name: string): boolean {
  const pid = Number(name.split('.').at(-4));
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export type InboundJournal = ReturnType<typeof inboundJournal>;
