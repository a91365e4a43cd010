import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBridge, type TestBridge } from '../../support/stack.ts';
import type { RecordedEvent } from '../../../bridge/src/events/eventTypes.ts';

let bridge: TestBridge;
const seen: RecordedEvent[] = [];
beforeAll(async () => {
  bridge = await startTestBridge({ label: 'events' });
  bridge.bridge.events.onRecorded((e) => void seen.push(e));
});
afterAll(async () => bridge?.close());

describe('event recorder (outbox)', () => {
  it('stores an event once per dedupe key and notifies listeners once', async () => {
    const input = { organizationId: 'org1', type: 'message.received' as const, session: 'main', data: { text: 'hi' }, dedupeKey: 'message.received:abc' };
    const first = await bridge.bridge.events.record(input);
    const again = await bridge.bridge.events.record({ ...input, data: { text: 'different' } });
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.event.id).toBe(first.event.id);
    expect(first.event.id).toMatch(/^evt_[0-9a-f]{22}$/);
    expect(seen.filter((e) => e.id === first.event.id)).toHaveLength(1);
    expect(await bridge.state.models.Event.countDocuments({ organizationId: 'org1' })).toBe(1);
  });

  it('keys are per organization, and events without a key are always new', async () => {
    const base = { type: 'session.status' as const, session: 's', data: { status: 'connected' } };
    const a = await bridge.bridge.events.record({ ...base, organizationId: 'orgA', dedupeKey: 'k' });
    const b = await bridge.bridge.events.record({ ...base, organizationId: 'orgB', dedupeKey: 'k' });
    const c1 = await bridge.bridge.events.record({ ...base, organizationId: 'orgA' });
    const c2 = await bridge.bridge.events.record({ ...base, organizationId: 'orgA' });
    expect([a, b, c1, c2].every((r) => r.created)).toBe(true);
    expect(new Set([a, b, c1, c2].map((r) => r.event.id)).size).toBe(4);
  });
});
