import { fetchLatestWaWebVersion } from '@whiskeysockets/baileys';
import type { Logger } from '../infra/logger.ts';

export type WaVersion = [number, number, number];

/** Parses WA_VERSION ("2.3000.1023223821"). */
export function parseWaVersion(value: string): WaVersion {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(value.trim());
  if (!match) throw new Error(`"${value}" is not a WhatsApp Web version like 2.3000.1023223821`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

export interface WaVersionOptions {
  /** WA_VERSION: use this one, ask nobody. */
  pinned?: WaVersion;
  /** Skip the fetch (the sandbox simulator takes any version). */
  fetch: boolean;
  timeoutMs?: number;
  log: Logger;
  /** Baileys' fetchLatestWaWebVersion (asks https://web.whatsapp.com/sw.js); replaceable in tests. */
  fetchLatest?: (options: { signal: AbortSignal }) => ReturnType<typeof fetchLatestWaWebVersion>;
}

/**
 * The WhatsApp Web version to announce. WhatsApp refuses a version once it is too old, and the
 * one pinned in Baileys ages with every release: ask web.whatsapp.com for the current one at
 * start (a short timeout), fall back to Baileys' pinned one when that fails. Undefined means
 * "Baileys' own".
 */
export async function resolveWaVersion(options: WaVersionOptions): Promise<WaVersion | undefined> {
  if (options.pinned) {
    options.log.info({ version: options.pinned.join('.') }, 'WhatsApp Web version pinned by WA_VERSION');
    return options.pinned;
  }
  if (!options.fetch) return undefined;
  const timeoutMs = options.timeoutMs ?? 5_000;
  try {
    const latest = await (options.fetchLatest ?? fetchLatestWaWebVersion)({ signal: AbortSignal.timeout(timeoutMs) });
    if (latest.isLatest) {
      options.log.info({ version: latest.version.join('.') }, 'using the current WhatsApp Web version');
      return latest.version as WaVersion;
    }
    options.log.warn({ error: (latest as { error?: unknown }).error }, 'could not learn the current WhatsApp Web version; using the one Baileys pins');
  } catch (err) {
    options.log.warn({ err }, 'could not learn the current WhatsApp Web version; using the one Baileys pins');
  }
  return undefined;
}
