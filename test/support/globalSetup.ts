import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Makes sure the local FerretDB and Redis answer (npm test already did; this covers `npx vitest`). */
export default function setup(): void {
  const script = fileURLToPath(new URL('../../scripts/services.sh', import.meta.url));
  const result = spawnSync('bash', [script], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('could not start the local test services (scripts/services.sh)');
}
