import type { MessageDoc } from '../models/message.ts';
import type { ContactUpdate } from '../contacts/contactStore.ts';
import type { StatusChange } from './messageStore.ts';
import { reviveChange, type MessageChange } from './messageChange.ts';

/** A write waiting in the retry queue: small, self-contained, and safe to run more than once. */
export type InboundJob =
  | { kind: 'message'; doc: MessageDoc }
  | { kind: 'status'; change: StatusChange }
  | { kind: 'change'; change: MessageChange }
  /** A message from history sync: stored, never announced. */
  | { kind: 'history'; doc: MessageDoc }
  /** A placeholder's deadline: if its content has not come by then, it is announced as undecryptable. */
  | { kind: 'deadline'; id: string; /** epoch ms */ due: number }
  | { kind: 'contacts'; organizationId: string; session: string; contacts: ContactUpdate[] };

/** BullMQ job ids may not contain ':'; ours are derived from the write's unique key. */
export function jobIdOf(job: InboundJob): string | undefined {
  switch (job.kind) {
    case 'message':
    case 'history':
      return `msg-${job.doc._id}`;
    case 'status':
      return undefined; // a later status for the same message is a different write
    case 'change':
      return `chg-${job.change.kind}-${job.change.changeId}`.replace(/[^A-Za-z0-9_-]/g, '_');
    case 'deadline':
      return `deadline-${job.id}`;
    case 'contacts':
      return undefined;
  }
}

/** Job data went through JSON: dates come back as strings. */
export function reviveJob(data: InboundJob): InboundJob {
  if (data.kind === 'change') return { kind: 'change', change: reviveChange(data.change) };
  if (data.kind !== 'message' && data.kind !== 'history') return data;
  return { kind: data.kind, doc: { ...data.doc, timestamp: new Date(data.doc.timestamp), createdAt: new Date(data.doc.createdAt) } };
}
