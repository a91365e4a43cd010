import { randomBytes } from 'node:crypto';

let lastMs = 0;
let sequence = 0;

/**
 * A prefixed id that sorts by creation time: `evt_` + 12 hex digits of milliseconds + 4 hex
 * digits of a per-process sequence (ids made in the same millisecond keep their order) + 6
 * random hex digits. Sortable ids keep "newest first" listings cheap.
 */
export function newId(prefix: string, at: number = Date.now()): string {
  if (at === lastMs) {
    sequence = (sequence + 1) & 0xffff;
  } else {
    lastMs = at;
    sequence = 0;
  }
  return `${prefix}_${at.toString(16).padStart(12, '0')}${sequence.toString(16).padStart(4, '0')}${randomBytes(3).toString('hex')}`;
}
