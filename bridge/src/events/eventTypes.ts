/** Events the bridge records and delivers to webhooks (DESIGN.md, "Webhook delivery"). */
export const EVENT_TYPES = [
  'message.received',
  'message.sent',
  'message.updated',
  'message.edited',
  'message.deleted',
  'message.reaction',
  'message.undecryptable',
  'poll.vote',
  'session.status',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Only sent by POST /v1/webhooks/:id/test, never subscribed to. */
export type TestEventType = 'webhook.test';

export interface NewEvent {
  organizationId: string;
  type: EventType;
  /** The session's name, or null for organization-wide events. */
  session: string | null;
  data: Record<string, unknown>;
  /**
   * Idempotency: recording twice with the same key yields one event (e.g. `message.received:<message id>`).
   * Omit for events that are new by nature.
   */
  dedupeKey?: string;
  timestamp?: Date;
}

export interface RecordedEvent {
  /** `evt_…`: the webhook body's `id` and `webhook-id`, stable across retries. */
  id: string;
  organizationId: string;
  type: EventType | TestEventType;
  session: string | null;
  data: Record<string, unknown>;
  timestamp: Date;
}

/**
 * The one place events are recorded (the outbox). Webhook delivery subscribes to it.
 * `record` resolves once the event is durably stored; a duplicate dedupeKey resolves to the
 * first event and does not notify listeners again.
 */
export interface EventRecorder {
  record(event: NewEvent): Promise<{ event: RecordedEvent; created: boolean }>;
  /** Stores a batch in one write, in order; each new one is announced as by record(). Returns how many were new. */
  recordMany(events: NewEvent[]): Promise<number>;
  /**
   * Called, in recording order, for each newly stored event once it is stored; not waited for
   * (a listener's failure is logged, and the stored event is there for its sweep).
   */
  onRecorded(listener: (event: RecordedEvent) => Promise<void> | void): void;
}
