/**
 * Ceiling b of the burst benchmark: N signed POSTs (Standard Webhooks, signed as the bridge's
 * delivery worker signs them) to the receiver's /raw, `concurrency` in flight, over one undici
 * Agent as the bridge's webhook sender uses. Answers with the time of the first request.
 */
import { Agent, request } from 'undici';
import { newWebhookSecret, signatureHeader } from '../../bridge/src/webhooks/webhookSecret.ts';
import { emit, now, serve } from './ipc.ts';
import { inFlight } from './stage.ts';

serve({
  async run({ url, n, concurrency }: { url: string; n: number; concurrency: number }) {
    const agent = new Agent({ keepAliveTimeout: 4_000 });
    const secret = newWebhookSecret();
    let failed = 0;
    const started = now();
    await inFlight(n, concurrency, async (i) => {
          const id = `evt_${i.toString(16).padStart(22, '0')}`;
          // About the size of a real message.received body.
          const body = JSON.stringify({
            id,
            type: 'message.received',
            timestamp: new Date().toISOString(),
            session: 'main',
            data: {
              id: `msg_${i.toString(16).padStart(22, '0')}`,
              messageId: `3EB0${i.toString(16).padStart(16, '0').toUpperCase()}`,
              session: 'main',
              chatId: '15551234567@s.whatsapp.net',
              from: '15551234567@s.whatsapp.net',
              fromMe: false,
              pushName: 'Burst Contact',
              type: 'text',
              text: `burst ${i + 1}`,
              timestamp: new Date().toISOString(),
              status: 'received',
            },
          });
          const at = new Date();
          const res = await request(url, {
            method: 'POST',
            dispatcher: agent,
            headers: { 'content-type': 'application/json', 'user-agent': 'whatsapp-bridge-bench', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signatureHeader([secret], id, at, body) },
            body,
          });
          await res.body.dump();
          if (res.statusCode >= 300) failed += 1;
    });
    const finished = now();
    await agent.close();
    return { started, finished, failed };
  },
});
emit('ready');
