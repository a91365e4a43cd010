import { TimeoutError } from './deadline.ts';

/**
 * FerretDB answers every command with InternalError (code 1) while the PostgreSQL behind it is
 * unreachable: the message is PostgreSQL's connection failure, e.g. "write failed: write unix
 * …/.s.PGSQL.5432: write: broken pipe" or "failed to connect to `host=…`".
 */
const STORAGE_UNREACHABLE = /broken pipe|failed to connect|connection refused|dial error|no such file or directory|the database system is (starting up|shutting down|in recovery mode)|terminating connection|server closed the connection|conn closed|connection reset/i;

/**
 * Whether an error means "MongoDB or Redis is unreachable or too slow" (worth waiting for and
 * retrying) rather than "this input cannot be written" (retrying will not help).
 */
export function isOutage(error: unknown): boolean {
  if (error instanceof TimeoutError) return true;
  const e = (error ?? {}) as { name?: string; message?: string; code?: string | number; cause?: unknown; errorLabelSet?: Set<string> };
  const name = e.name ?? '';
  // The driver labels network failures (also inside bulk write errors) as retryable.
  if (e.errorLabelSet instanceof Set && (e.errorLabelSet.has('RetryableWriteError') || e.errorLabelSet.has('ResetPool'))) return true;
  if (e.cause && e.cause !== error && isOutage(e.cause)) return true;
  if (e.code === 1 && /^Mongo/.test(name) && STORAGE_UNREACHABLE.test(e.message ?? '')) return true;
  return (
    /^Mongo(ServerSelection|Network|NetworkTimeout|NotConnected|Topology|TopologyClosed|PoolCleared|ServerClosed)/.test(name) ||
    name === 'MaxRetriesPerRequestError' ||
    e.code === 'ECONNREFUSED' ||
    /ECONNREFUSED|ECONNRESET|Connection is closed|connection .* closed|pool .* was cleared|socket has been ended|client must be connected|Stream isn't writeable|buffering timed out/i.test(e.message ?? '')
  );
}
