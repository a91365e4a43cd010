import type { TestBridge } from './stack.ts';

/** Polls GET /v1/sessions/:name until `predicate` holds; returns the session. */
export async function waitForSession(
  bridge: Pick<TestBridge, 'request'>,
  key: string,
  name: string,
  predicate: (session: any) => boolean,
  timeoutMs = 10_000,
): Promise<any> {
  const until = Date.now() + timeoutMs;
  let last: any;
  while (Date.now() < until) {
    const res = await bridge.request('GET', `/v1/sessions/${name}`, { key });
    last = res.body;
    if (res.status === 200 && predicate(res.body)) return res.body;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`session ${name} did not reach the expected state within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
}

export const hasStatus = (status: string) => (session: any) => session.status === status;

export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${what} not met within ${timeoutMs} ms`);
}

/** Waits for the session's QR code (GET /v1/sessions/:name/qr) and returns it. */
export async function waitForQr(bridge: Pick<TestBridge, 'request'>, key: string, name: string, timeoutMs = 15_000): Promise<string> {
  let qr = '';
  await until(async () => {
    const res = await bridge.request('GET', `/v1/sessions/${name}/qr`, { key });
    qr = res.status === 200 ? res.body.qr : '';
    return qr !== '';
  }, timeoutMs, `a QR code for ${name}`);
  return qr;
}

/** Waits until `fn` returns a value (not undefined) and returns it. */
export async function eventually<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
