import { MESSAGE_STATUSES, type MessageStatus } from '../models/message.ts';

/** Baileys' WAMessageStatus numbers (ERROR 0 … PLAYED 5) map onto MESSAGE_STATUSES by position. */
export function statusFromBaileys(value: unknown): MessageStatus | null {
  if (typeof value !== 'number' || !Number.isInteger(value)) return null;
  return MESSAGE_STATUSES[value] ?? null;
}

export function statusRank(status: MessageStatus): number {
  return MESSAGE_STATUSES.indexOf(status);
}

export interface ReceiptLike {
  receiptTimestamp?: unknown;
  readTimestamp?: unknown;
  playedTimestamp?: unknown;
}

/** A user receipt (message-receipt.update) as the furthest status it proves. */
export function statusFromReceipt(receipt: ReceiptLike): MessageStatus | null {
  if (receipt.playedTimestamp) return 'played';
  if (receipt.readTimestamp) return 'read';
  if (receipt.receiptTimestamp) return 'delivered';
  return null;
}
