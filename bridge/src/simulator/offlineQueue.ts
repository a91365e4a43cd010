import { encodeBinaryNode, NACK_REASONS, type BinaryNode } from '@whiskeysockets/baileys';

/**
 * One message stanza the server delivered (or holds) for a device and the device has not
 * answered yet. `bytes` is the stanza exactly as it was encoded the first time: WhatsApp keeps the
 * encrypted copy and resends it, it never encrypts again.
 */
export interface PendingStanza {
  id: string;
  /** The encoded stanza (encodeBinaryNode, without the `offline` attribute). */
  readonly bytes: Uint8Array;
  queuedAt: number;
  /** How many times it went on the wire (0 while it waits for an offline device). */
  deliveries: number;
  /** The connection it last went out on, so one login does not get it twice. */
  deliveredOn: object | undefined;
}

/** A device refused a stanza (`<ack class="message" id error=…>`): recorded, and the stanza dropped. */
export interface DeviceNack {
  device: string;
  id: string;
  code: number;
  /** Baileys' name for the code (NACK_REASONS), when it has one. */
  reason: string | undefined;
  at: number;
}

/** A sender's message was refused because the device's queue is full; the sender is told, nothing is dropped. */
export class OfflineQueueFullError extends Error {
  readonly device: string;
  readonly limit: number;

  constructor(device: string, limit: number) {
    super(`${device} has ${limit} unacknowledged messages queued: the server refuses more until it acknowledges some`);
    this.device = device;
    this.limit = limit;
  }
}

export const OFFLINE_QUEUE_LIMIT = 10_000;
const NACK_HISTORY_LIMIT = 1_000;

const NACK_NAMES = new Map<number, string>(Object.entries(NACK_REASONS).map(([name, code]) => [code, name]));

/**
 * The server's store of what each linked device has not acknowledged, as WhatsApp keeps it: a
 * message stanza stays until the device answers it — a receipt (Baileys' ack for a message it
 * handled), an `<ack class="message">`, or a NACK (an ack with `error`) — and is sent again, the
 * same bytes, each time the device logs in.
 */
export class OfflineQueue {
  readonly #limit: number;
  readonly #pending = new Map<string, PendingStanza[]>();
  readonly #nacks: DeviceNack[] = [];

  constructor(limit = OFFLINE_QUEUE_LIMIT) {
    this.#limit = limit;
  }

  /** Keeps `node` for `device` until it is answered; throws OfflineQueueFullError when the device's queue is full. */
  add(device: string, node: BinaryNode): PendingStanza {
    const queue = this.#pending.get(device) ?? [];
    if (queue.length >= this.#limit) throw new OfflineQueueFullError(device, this.#limit);
    const entry: PendingStanza = { id: node.attrs.id, bytes: encodeBinaryNode(node), queuedAt: Date.now(), deliveries: 0, deliveredOn: undefined };
    queue.push(entry);
    this.#pending.set(device, queue);
    return entry;
  }

  /** What `device` has not answered, oldest first (a copy). */
  pending(device: string): PendingStanza[] {
    return [...(this.#pending.get(device) ?? [])];
  }

  count(device: string): number {
    return this.#pending.get(device)?.length ?? 0;
  }

  includes(device: string, entry: PendingStanza): boolean {
    return this.#pending.get(device)?.includes(entry) ?? false;
  }

  /** The device has message `id` (a receipt or a plain ack): every copy of it is done. */
  acknowledged(device: string, id: string): number {
    const queue = this.#pending.get(device);
    if (!queue) return 0;
    const kept = queue.filter((entry) => entry.id !== id);
    this.#set(device, kept);
    return queue.length - kept.length;
  }

  /**
   * The device refused `id` with `code`: recorded, and the oldest copy dropped (a copy sent after
   * it, such as the sender's answer to a retry receipt under the same id, stays).
   */
  refused(device: string, id: string, code: number): DeviceNack {
    const nack: DeviceNack = { device, id, code, reason: NACK_NAMES.get(code), at: Date.now() };
    this.#nacks.push(nack);
    if (this.#nacks.length > NACK_HISTORY_LIMIT) this.#nacks.splice(0, this.#nacks.length - NACK_HISTORY_LIMIT);
    const queue = this.#pending.get(device);
    const index = queue?.findIndex((entry) => entry.id === id) ?? -1;
    if (queue && index >= 0) {
      queue.splice(index, 1);
      this.#set(device, queue);
    }
    return nack;
  }

  nacks(device: string): DeviceNack[] {
    return this.#nacks.filter((nack) => nack.device === device);
  }

  /** The device is gone (unlinked): nothing will ever be delivered to it. */
  clear(device: string): void {
    this.#pending.delete(device);
  }

  #set(device: string, queue: PendingStanza[]): void {
    if (queue.length === 0) this.#pending.delete(device);
    else this.#pending.set(device, queue);
  }
}
