import type { MessageDoc } from '../models/message.ts';
import type { ContactUpdate } from '../contacts/contactStore.ts';
import type { StatusChange } from './messageStore.ts';

/** A write waiting in the retry queue: small, self-contained, and safe to run more than once. */
export type InboundJob =
  | { kind: 'message'; doc: MessageDoc }
  | { kind: 'status'; change: StatusChange }
  | { kind: 'contacts'; organizationId: string; session: string; contacts: ContactUpdate[] };

/** BullMQ job ids may not contain ':'; ours are derived from the write's unique key. */
export function jobIdOf(job: InboundJob): string | undefined {
  switch (job.kind) {
    case 'message':
      return `msg-${job.doc._id}`;
    case 'status':
      return undefined; // a later status for the same message is a different write
    case 'contacts':
      return undefined;
  }
}

/** Job data went through JSON: dates come back as strings. */
export function reviveJob(data: InboundJob): InboundJob {
  if (data.kind !== 'message') return data;
  return { kind: 'message', doc: { ...data.doc, timestamp: new Date(data.doc.timestamp), createdAt: new Date(data.doc.createdAt) } };
}
