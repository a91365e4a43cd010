import { expect } from 'vitest';
import type { TestBridge } from '../../support/stack.ts';
import type { EventType } from '../../../bridge/src/events/eventTypes.ts';

/** A tenant of a test bridge and the webhook calls its tests make. */
export async function tenant(bridge: TestBridge, name = 'org') {
  const org = await bridge.createOrganization(name);
  const key = org.apiKey;
  return {
    org,
    key,
    async createWebhook(body: Record<string, unknown>): Promise<{ id: string; secret: string; [k: string]: any }> {
      const res = await bridge.request('POST', '/v1/webhooks', { key, body });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body;
    },
    async deliveries(webhookId: string, query = ''): Promise<any[]> {
      const res = await bridge.request('GET', `/v1/webhooks/${webhookId}/deliveries${query}`, { key });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.data;
    },
    async webhook(webhookId: string): Promise<any> {
      const res = await bridge.request('GET', `/v1/webhooks/${webhookId}`, { key });
      expect(res.status).toBe(200);
      return res.body;
    },
    record(type: EventType = 'message.received', session: string | null = 'main', data: Record<string, unknown> = { text: 'hello' }) {
      return bridge.bridge.events.record({ organizationId: org.id, type, session, data });
    },
  };
}
