import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { useSandboxBridge } from '../support/sandboxBridge.ts';
import type { TestBridge } from '../support/stack.ts';
import { hasStatus, waitForSession } from '../support/sessionWaits.ts';
import { launchChromium, pageErrors, screenshot } from '../support/browser.ts';
import { startRecordingServer, type RecordingServer } from '../support/recordingServer.ts';

/**
 * The web console (/console) in a real Chromium at desktop size, against a sandbox bridge: sign in
 * with the organization key, create a session, pair it with the simulated phone, add a webhook
 * pointing at a local receiver, receive a message from a simulated contact, see it in the message
 * browser, reply from the console, and see the webhook's deliveries in its log. Every wait is for an
 * element, a request or a session state, never a fixed time. Screenshots:
 * test-artifacts/screenshots/console-*.png.
 */
const CONTACT = '15557001234';
const CHAT = `${CONTACT}@s.whatsapp.net`;

describe('the web console in Chromium', () => {
  let bridge: TestBridge;
  let key: string;
  let browser: Browser;
  let receiver: RecordingServer;
  useSandboxBridge(
    'console',
    (started, apiKey) => {
      bridge = started;
      key = apiKey;
    },
    {},
    { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' },
  );
  beforeAll(async () => {
    browser = await launchChromium();
    receiver = await startRecordingServer(() => ({ status: 200, body: { ok: true } }));
  });
  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
  });

  it('signs in, pairs a session, shows and answers a message, and logs webhook deliveries', { timeout: 120_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    const page = await context.newPage();
    const errors = pageErrors(page);
    try {
      const res = await page.goto(`${bridge.url}/console`);
      expect(res?.status()).toBe(200);

      // A wrong key: an alert, no app.
      const keyField = page.getByLabel('Organization API key');
      await keyField.waitFor();
      await keyField.fill('wab_wrong-key-000000000000000000000000000000');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => page.locator('#sign-in-error').textContent()).toMatch(/unknown or has been revoked/);
      expect(await keyField.getAttribute('aria-invalid')).toBe('true');
      await screenshot(page, 'console-01-sign-in-refused');

      // The right key, typed and submitted with the keyboard only.
      await keyField.fill('');
      await keyField.focus();
      await page.keyboard.type(key);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Sessions' }).waitFor();
      expect(await page.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(true);
      // The cookie is httpOnly: the page's scripts cannot read it.
      expect(await page.evaluate(() => document.cookie)).not.toContain('wab_console');
      const cookie = (await context.cookies()).find((c) => c.name === 'wab_console');
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
      expect(cookie!.value).not.toContain(key);

      // Create a session from the console: it starts and shows its QR code.
      await page.getByLabel('New session name').fill('desk');
      await page.getByRole('button', { name: 'Create session' }).click();
      const card = page.getByRole('article', { name: 'Session desk' });
      const qr = card.getByRole('img', { name: 'QR code for session desk' });
      await qr.waitFor({ timeout: 30_000 });
      expect(await card.locator('[data-role="status"]').textContent()).toBe('qr ready');
      expect(await card.getByLabel('Phone number to pair desk with').isVisible()).toBe(true);
      await screenshot(page, 'console-02-session-qr');

      // The simulated phone scans it; the card follows the status to connected.
      await card.getByRole('button', { name: 'Scan the QR code of desk with the simulated phone' }).click();
      await expect.poll(() => card.getAttribute('data-status'), { timeout: 30_000 }).toBe('connected');
      const session = await waitForSession(bridge, key, 'desk', hasStatus('connected'));
      expect(await card.locator('[data-role="phone"]').textContent()).toContain(`+${session.phoneNumber}`);
      expect(await qr.isVisible()).toBe(false);
      expect(await page.locator('#metric-connected').textContent()).toBe('1');
      await screenshot(page, 'console-03-session-connected');

      // A webhook for received and sent messages, pointing at the local receiver.
      const hookUrl = `${receiver.url}/hook`;
      await page.getByLabel('Webhook URL').fill(hookUrl);
      await page.getByRole('button', { name: 'Add webhook' }).click();
      await expect.poll(() => page.locator('#webhook-secret-value').textContent()).toMatch(/^whsec_/);
      const hook = page.getByRole('article', { name: `Webhook ${hookUrl}` });
      await hook.waitFor();
      await hook.getByText('No deliveries yet.').waitFor();

      // The simulated contact writes; the message shows in the browser, filtered to received ones.
      const sent = await bridge.request('POST', '/v1/sandbox/sessions/desk/messages', { key, body: { from: CONTACT, text: 'Hello from the contact' } });
      expect(sent.status).toBe(201);
      await page.getByLabel('Direction').selectOption('in');
      await page.getByLabel('Session', { exact: true }).selectOption('desk');
      await page.getByLabel('Chat (JID)').fill(CHAT);
      await page.getByRole('button', { name: 'Apply filters' }).click();
      const incoming = page.locator('#message-rows tr', { hasText: 'Hello from the contact' });
      await incoming.waitFor({ timeout: 20_000 });
      expect(await incoming.getAttribute('data-direction')).toBe('in');
      await page.locator('#messages').scrollIntoViewIfNeeded();
      await screenshot(page, 'console-04-message-received');

      // Reply from the console: the contact's phone gets it, and the browser lists it as sent.
      await incoming.getByRole('button', { name: `Reply to ${CHAT}` }).click();
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('reply-text');
      expect(await page.getByLabel('To (phone number or JID)').inputValue()).toBe(CHAT);
      await page.keyboard.type('Thanks, answering from the console');
      await page.getByRole('button', { name: 'Send', exact: true }).click();
      await expect.poll(() => page.locator('#notice').textContent()).toMatch(/Send to .*: done\./);
      await page.getByLabel('Direction').selectOption('');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      const outgoing = page.locator('#message-rows tr', { hasText: 'Thanks, answering from the console' });
      await outgoing.waitFor({ timeout: 20_000 });
      expect(await outgoing.getAttribute('data-direction')).toBe('out');
      await expect
        .poll(async () => (await bridge.request('GET', `/v1/sandbox/sessions/desk/contacts/${CONTACT}/messages`, { key })).body.data.map((m: { text: string }) => m.text), {
          timeout: 20_000,
        })
        .toContain('Thanks, answering from the console');
      await screenshot(page, 'console-05-reply-sent');

      // The receiver got the events; the webhook's log lists them as succeeded, and a retry works.
      await expect.poll(() => receiver.requests.map((r) => r.body?.type), { timeout: 30_000 }).toEqual(expect.arrayContaining(['message.received', 'message.sent']));
      const received = hook.locator('tr[data-delivery]', { hasText: 'message.received' });
      await received.waitFor({ timeout: 20_000 });
      await expect.poll(() => received.getAttribute('data-status'), { timeout: 20_000 }).toBe('succeeded');
      expect(await received.textContent()).toContain('HTTP 200');
      await hook.locator('tr[data-delivery][data-status="succeeded"]', { hasText: 'message.sent' }).waitFor({ timeout: 20_000 });
      const before = receiver.requests.length;
      await received.getByRole('button', { name: /^Retry delivery dlv_/ }).click();
      await expect.poll(() => page.locator('#notice').textContent()).toBe('Retry: done.');
      await expect.poll(() => receiver.requests.length, { timeout: 20_000 }).toBeGreaterThan(before);
      await hook.getByRole('button', { name: 'Recover the last hour' }).click();
      await expect.poll(() => page.locator('#notice').textContent()).toMatch(/^Recover: \d+ events replayed\.$/);
      await hook.scrollIntoViewIfNeeded();
      await screenshot(page, 'console-06-webhook-deliveries');

      // Stop and start from the card: the status follows, and the session comes back paired.
      await card.getByRole('button', { name: 'Stop desk', exact: true }).click();
      await expect.poll(() => card.getAttribute('data-status'), { timeout: 20_000 }).toBe('stopped');
      await card.getByRole('button', { name: 'Start desk', exact: true }).click();
      await expect.poll(() => card.getAttribute('data-status'), { timeout: 30_000 }).toBe('connected');
      expect(await qr.isVisible()).toBe(false);

      // Signing out clears the cookie; the API is closed to this browser again.
      await page.getByRole('button', { name: 'Sign out' }).click();
      await keyField.waitFor();
      expect((await context.cookies()).find((c) => c.name === 'wab_console')).toBeUndefined();
      const after = await page.evaluate(async () => (await fetch('/v1/sessions', { headers: { 'x-console': '1' } })).status);
      expect(after).toBe(401);
      await screenshot(page, 'console-07-signed-out');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
