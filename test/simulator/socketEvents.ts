import type { BaileysEventMap, WASocket } from '@whiskeysockets/baileys';

/** Resolves with the next `event` of a Baileys socket that matches `predicate`. */
export function nextEvent<E extends keyof BaileysEventMap>(
  socket: WASocket,
  event: E,
  predicate: (arg: BaileysEventMap[E]) => boolean,
  timeoutMs = 10_000,
): Promise<BaileysEventMap[E]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.ev.off(event, listener);
      reject(new Error(`no matching ${event}`));
    }, timeoutMs);
    const listener = (arg: BaileysEventMap[E]): void => {
      if (!predicate(arg)) return;
      clearTimeout(timer);
      socket.ev.off(event, listener);
      resolve(arg);
    };
    socket.ev.on(event, listener);
  });
}
