import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { useSandboxBridge } from '../support/sandboxBridge.ts';
import type { TestBridge } from '../support/stack.ts';
import { hasStatus, waitForSession } from '../support/sessionWaits.ts';
import { launchChromium, pageErrors, phoneContext, screenshot } from '../support/browser.ts';

/**
 * The pairing page in a real Chromium at a phone's size, against a sandbox bridge (the bridge's
 * real Baileys and its WhatsApp simulator). Each QR code is shown for QR_MS instead of 60 s/20 s,
 * so the simulator's six codes run out in about half a minute. Every wait is for an element or a
 * session state, never a fixed time. Screenshots: test-artifacts/screenshots/pairing-*.png.
 */
const QR_MS = 4_000;
const RUN_OUT_MS = 6 * QR_MS + 20_000;

describe('the pairing page in Chromium', () => {
  let bridge: TestBridge;
  let key: string;
  let browser: Browser;
  useSandboxBridge(
    'pairingpage',
    (started, apiKey) => {
      bridge = started;
      key = apiKey;
    },
    { qrTimeoutMs: QR_MS },
  );
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** A new session (started, so it shows codes) and its pairing link, on this bridge's address. */
  async function sessionWithLink(name: string): Promise<string> {
    expect((await bridge.request('POST', '/v1/sessions', { key, body: { name } })).status).toBe(201);
    const link = await bridge.request('POST', `/v1/sessions/${name}/pairing-link`, { key, body: {} });
    expect(link.status).toBe(200);
    return `${bridge.url}${new URL(link.body.url).pathname}`;
  }

  async function openAtPhoneSize(url: string): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
    const context = await phoneContext(browser);
    const page = await context.newPage();
    const errors = pageErrors(page);
    const res = await page.goto(url);
    expect(res?.status()).toBe(200);
    return { context, page, errors };
  }

  /** Nothing wider than the phone's screen: no sideways scrolling at 375 px. */
  async function expectFitsTheScreen(page: Page): Promise<void> {
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  }

  const countdownSeconds = async (page: Page) => Number(/(\d+):(\d\d)/.exec((await page.locator('#countdown').textContent()) ?? '')?.[2] ?? NaN);

  it('offers a fresh code when the codes ran out, counts down, then pairs by scanning', { timeout: 3 * RUN_OUT_MS }, async () => {
    const { context, page, errors } = await openAtPhoneSize(await sessionWithLink('by-qr'));
    try {
      const qr = page.getByRole('img', { name: /WhatsApp QR code/ });
      await qr.waitFor();
      await expect.poll(() => page.locator('#countdown').textContent()).toMatch(/^Code expires in 0:0\d$/);
      // The countdown moves on (to the next second, or to the next code's).
      const first = await page.locator('#countdown').textContent();
      await page.waitForFunction((before) => document.getElementById('countdown')!.textContent !== before, first);
      expect(await page.locator('#status-line').textContent()).toBe('Scan the code with WhatsApp on your phone');
      await expectFitsTheScreen(page);
      await screenshot(page, 'pairing-01-qr-countdown');

      // Nobody scans: the codes run out and the page offers a fresh one instead of a dead end.
      const fresh = page.getByRole('button', { name: 'Get a fresh code' });
      await fresh.waitFor({ timeout: RUN_OUT_MS });
      expect(await page.getByRole('heading', { name: 'The codes ran out' }).isVisible()).toBe(true);
      expect(await qr.isVisible()).toBe(false);
      expect(await page.getByRole('textbox', { name: 'Phone number of the WhatsApp account' }).isDisabled()).toBe(true);
      expect(await waitForSession(bridge, key, 'by-qr', () => true)).toMatchObject({ status: 'stopped', lastDisconnectReason: 'qr_timeout' });
      await expectFitsTheScreen(page);
      await screenshot(page, 'pairing-02-codes-ran-out');

      await fresh.click();
      await qr.waitFor();
      const seconds = await countdownSeconds(page);
      expect(seconds).toBeGreaterThan(0);
      expect(seconds).toBeLessThanOrEqual(QR_MS / 1000);
      expect(await page.getByRole('heading', { name: 'The codes ran out' }).isVisible()).toBe(false);
      expect(await page.getByRole('textbox', { name: 'Phone number of the WhatsApp account' }).isEnabled()).toBe(true);
      await screenshot(page, 'pairing-03-fresh-code');

      // The simulated phone scans the code shown now.
      await page.getByRole('button', { name: 'Scan with the simulated phone' }).click();
      const linked = page.getByRole('heading', { name: 'Linked' });
      await linked.waitFor({ timeout: 20_000 });
      const session = await waitForSession(bridge, key, 'by-qr', hasStatus('connected'));
      expect(await page.locator('#success-text').textContent()).toBe(`WhatsApp +${session.phoneNumber} is linked. You can close this page.`);
      expect(await qr.isVisible()).toBe(false);
      await expectFitsTheScreen(page);
      await screenshot(page, 'pairing-04-linked-by-qr');

      // Paired: the link's actions are refused now.
      const restart = await fetch(`${page.url()}/restart`, { method: 'POST' });
      expect(restart.status).toBe(409);
      expect((await restart.json()).error.code).toBe('session_already_paired');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('pairs by phone number: refuses a bad number, shows the code, survives the code running out', { timeout: 3 * RUN_OUT_MS }, async () => {
    const url = await sessionWithLink('by-phone');
    const { context, page, errors } = await openAtPhoneSize(url);
    const control = `${new URL(bridge.state.config.waWebSocketUrl!).origin.replace(/^ws/, 'http')}/control`;
    try {
      await page.getByRole('img', { name: /WhatsApp QR code/ }).waitFor();
      const phone = page.getByRole('textbox', { name: 'Phone number of the WhatsApp account' });
      const getCode = page.getByRole('button', { name: 'Get pairing code' });
      await expect.poll(() => phone.isEnabled()).toBe(true);

      // Keyboard only: Tab reaches the field, Enter submits.
      for (let i = 0; i < 12 && (await page.evaluate(() => document.activeElement?.id)) !== 'phone'; i++) await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('phone');
      await page.keyboard.type('call me');
      await page.keyboard.press('Enter');
      const problem = page.locator('#phone-error');
      await problem.waitFor();
      expect(await problem.textContent()).toMatch(/not a phone number in international format/);
      expect(await phone.getAttribute('aria-invalid')).toBe('true');
      await screenshot(page, 'pairing-05-invalid-phone-number');

      // A code that is never typed: the codes run out, and a fresh code starts over.
      await phone.fill('+1 555 000 4242');
      await getCode.click();
      const code = page.locator('#pairing-code');
      await code.waitFor();
      expect(await code.textContent()).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
      await page.getByRole('button', { name: 'Get a fresh code' }).waitFor({ timeout: RUN_OUT_MS });
      expect(await code.isVisible()).toBe(false);
      // Not logged out: the half-made pairing is dropped and the session stops as qr_timeout.
      expect(await waitForSession(bridge, key, 'by-phone', () => true)).toMatchObject({ status: 'stopped', lastDisconnectReason: 'qr_timeout' });
      await page.getByRole('button', { name: 'Get a fresh code' }).click();
      await page.getByRole('img', { name: /WhatsApp QR code/ }).waitFor();
      await expect.poll(() => phone.isEnabled()).toBe(true);

      await phone.fill('+1 555 000 4242');
      await getCode.click();
      await expect.poll(() => code.textContent()).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
      await expectFitsTheScreen(page);
      await screenshot(page, 'pairing-06-pairing-code');

      // The user types the code on the (simulated) phone.
      const typed = await fetch(`${control}/pairing-code`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phoneNumber: '15550004242', code: await code.textContent() }),
      });
      expect(typed.status).toBe(201);
      await page.getByRole('heading', { name: 'Linked' }).waitFor({ timeout: 20_000 });
      expect(await page.locator('#success-text').textContent()).toBe('WhatsApp +15550004242 is linked. You can close this page.');
      await waitForSession(bridge, key, 'by-phone', (s) => s.status === 'connected' && s.phoneNumber === '15550004242');
      await screenshot(page, 'pairing-07-linked-by-phone');

      // The phone unlinks it; the same link cannot pair it again, and says so plainly.
      const jid = encodeURIComponent((await typed.json()).device.jid);
      expect((await fetch(`${control}/devices/${jid}/logout`, { method: 'POST' })).status).toBeLessThan(300);
      await waitForSession(bridge, key, 'by-phone', hasStatus('logged_out'));
      await page.reload();
      await page.getByRole('heading', { name: 'The phone was unlinked' }).waitFor();
      await page.getByRole('button', { name: 'Get a fresh code' }).click();
      const failure = page.locator('#failure-text');
      await failure.waitFor();
      expect(await failure.textContent()).toMatch(/link was used already/);
      expect(await page.getByRole('heading', { name: 'This link cannot pair the session any more' }).isVisible()).toBe(true);
      expect(await page.getByRole('button', { name: 'Get a fresh code' }).isVisible()).toBe(false);
      await expectFitsTheScreen(page);
      await screenshot(page, 'pairing-08-link-used');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('says plainly when a link is not usable', async () => {
    const context = await phoneContext(browser);
    try {
      const page = await context.newPage();
      const res = await page.goto(`${bridge.url}/pair/not-a-valid-token`);
      expect(res?.status()).toBe(404);
      await page.getByRole('heading', { name: 'Pairing link not usable' }).waitFor();
      expect(await page.getByRole('alert').textContent()).toMatch(/invalid or has expired/);
      await expectFitsTheScreen(page);
      await screenshot(page, 'pairing-09-invalid-link');
    } finally {
      await context.close();
    }
  });
});
