/**
 * Group commit: writes submitted while one is in flight wait for it and then go together, so n
 * concurrent writers cost a few round trips instead of n, and a lone write goes at once (no
 * timer). Each submit resolves when the write that carried it succeeded, and rejects with its
 * error otherwise. At most `max` items per write, in submission order.
 */
export function groupCommit<T>(write: (items: T[]) => Promise<void>, max = 500): (item: T) => Promise<void> {
  let waiting: Array<{ item: T; resolve: () => void; reject: (error: unknown) => void }> = [];
  let writing = false;

  async function drain(): Promise<void> {
    writing = true;
    try {
      while (waiting.length > 0) {
        const batch = waiting.slice(0, max);
        waiting = waiting.slice(batch.length);
        try {
          await write(batch.map((w) => w.item));
          for (const w of batch) w.resolve();
        } catch (error) {
          for (const w of batch) w.reject(error);
        }
      }
    } finally {
      writing = false;
    }
  }

  return (item: T) =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (!writing) void drain();
    });
}
