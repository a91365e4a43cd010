import { describe, expect, it } from 'vitest';
import { groupCommit } from '../../../bridge/src/infra/groupCommit.ts';

describe('group commit', () => {
  it('writes a lone item at once and what arrives meanwhile together, in order, within the bound', async () => {
    const writes: number[][] = [];
    let release: () => void = () => undefined;
    const commit = groupCommit<number>(async (items) => {
      writes.push(items);
      if (writes.length === 1) await new Promise<void>((resolve) => (release = resolve));
    }, 3);
    const first = commit(1);
    expect(writes).toEqual([[1]]); // no timer: the first write is already out
    const rest = [2, 3, 4, 5].map((n) => commit(n));
    release();
    await Promise.all([first, ...rest]);
    expect(writes).toEqual([[1], [2, 3, 4], [5]]);
  });

  it("rejects each item of a failed write with its error, and the next write goes on", async () => {
    let fail = true;
    const written: number[] = [];
    const commit = groupCommit<number>(async (items) => {
      if (fail) throw new Error('database away');
      written.push(...items);
    });
    await expect(commit(1)).rejects.toThrow('database away');
    fail = false;
    await commit(2);
    expect(written).toEqual([2]);
  });
});
