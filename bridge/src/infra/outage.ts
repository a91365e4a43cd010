import { TimeoutError } from './deadline.ts';

/**
 * Whether an error means "MongoDB or Redis is unreachable or too slow" (worth waiting for and
 * retrying) rather than "this input cannot be written" (retrying will not help).
 */
export function isOutage(error: unknown): boolean {
  if (error instanceof TimeoutError) return true;
  const e = (error ?? {}) as { name?: string; message?: string; code?: string; cause?: unknown; errorLabelSet?: Set<string> };
  const name = e.name ?? '';
  // The driver labels network failures (also inside bulk write errors) as retryable.
  if (e.errorLabelSet instanceof Set && (e.errorLabelSet.has('RetryableWriteError') || e.errorLabelSet.has('ResetPool'))) return true;
  if (e.cause && e.cause !== error && isOutage(e.cause)) return true;
  return (
    /^Mongo(ServerSelection|Network|NetworkTimeout|NotConnected|Topology|TopologyClosed|PoolCleared|ServerClosed)/.test(name) ||
    name === 'MaxRetriesPerRequestError' ||
    e.code === 'ECONNREFUSED' ||
    /ECONNREFUSED|ECONNRESET|Connection is closed|connection .* closed|pool .* was cleared|socket has been ended|client must be connected|Stream isn't writeable|buffering timed out/i.test(e.message ?? '')
  );
}
