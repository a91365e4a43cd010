import { readFileSync } from 'node:fs';

/** The JSON values of a one-value-per-line file; a line that does not parse (cut off by a crash, say) is reported and skipped. */
export function readJsonLines<T>(file: string, onUnreadable: () => void, reviver?: (key: string, value: unknown) => unknown): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => {
      try {
        return [JSON.parse(line, reviver as never) as T];
      } catch {
        onUnreadable();
        return [];
      }
    });
}
