/**
 * Request/answer over a forked child's IPC channel, for the burst benchmark's processes: the
 * parent calls `request(cmd, args)`, the child answers from `serve(handlers)`; a child may also
 * push events (`emit`) that the parent waits for with `next(event)`.
 */
import { fork, type ChildProcess } from 'node:child_process';

interface Request {
  id: number;
  cmd: string;
  args: unknown;
}
interface Answer {
  id: number;
  result?: unknown;
  error?: string;
}
interface Pushed {
  event: string;
  data: unknown;
}

export class ChildPart {
  readonly child: ChildProcess;
  readonly name: string;
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly #events: Pushed[] = [];
  readonly #waiters: Array<{ event: string; resolve: (v: unknown) => void; reject: (e: Error) => void }> = [];
  #exited: string | undefined;

  constructor(name: string, file: string, args: string[] = [], env: Record<string, string> = {}) {
    this.name = name;
    // stdout ignored: libsignal's console.log chatter; errors come on stderr.
    this.child = fork(file, args, { env: { ...process.env, NODE_NO_WARNINGS: '1', ...env }, execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    this.child.on('message', (message: Answer | Pushed) => {
      if ('event' in message) {
        const index = this.#waiters.findIndex((w) => w.event === message.event);
        if (index >= 0) this.#waiters.splice(index, 1)[0].resolve(message.data);
        else this.#events.push(message);
        return;
      }
      const pending = this.#pending.get(message.id);
      if (!pending) return;
      this.#pending.delete(message.id);
      if (message.error !== undefined) pending.reject(new Error(`${name}: ${message.error}`));
      else pending.resolve(message.result);
    });
    this.child.on('exit', (code, signal) => {
      this.#exited = `${name} exited (code ${code}, signal ${signal})`;
      for (const p of this.#pending.values()) p.reject(new Error(this.#exited));
      this.#pending.clear();
      for (const w of this.#waiters.splice(0)) w.reject(new Error(this.#exited));
    });
  }

  get pid(): number {
    return this.child.pid as number;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the answer's shape is the handler's; callers name it
  request<T = any>(cmd: string, args: unknown = {}): Promise<T> {
    if (this.#exited) return Promise.reject(new Error(this.#exited));
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, cmd, args } satisfies Request);
    });
  }

  /** The next event `event` the child pushed (or one it pushed already). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as request
  next<T = any>(event: string, timeoutMs = 120_000): Promise<T> {
    const index = this.#events.findIndex((e) => e.event === event);
    if (index >= 0) return Promise.resolve(this.#events.splice(index, 1)[0].data as T);
    if (this.#exited) return Promise.reject(new Error(this.#exited));
    return new Promise<T>((resolve, reject) => {
      const waiter = { event, resolve: (v: unknown) => (clearTimeout(timer), resolve(v as T)), reject: (e: Error) => (clearTimeout(timer), reject(e)) };
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`${this.name}: no ${event} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGKILL');
    await exited;
  }
}

/** In the child: answers the parent's requests with `handlers[cmd](args)`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each handler names its own arguments
export function serve(handlers: Record<string, (args: any) => unknown>): void {
  process.on('message', (message: Request) => {
    void (async () => {
      try {
        const handler = handlers[message.cmd];
        if (!handler) throw new Error(`unknown command ${message.cmd}`);
        const result = await handler(message.args);
        process.send!({ id: message.id, result: result ?? null } satisfies Answer);
      } catch (error) {
        process.send!({ id: message.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies Answer);
      }
    })();
  });
  // The parent going away (killed, crashed) takes this process with it.
  process.on('disconnect', () => process.exit(0));
}

/** In the child: pushes an event to the parent. */
export function emit(event: string, data: unknown = null): void {
  process.send!({ event, data } satisfies Pushed);
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes on this machine. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}
