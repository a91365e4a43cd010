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
