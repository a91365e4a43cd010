import { afterAll, afterEach } from 'vitest';
import { takeMismatches } from './openapiConformance.ts';

/**
 * Every test file (vitest setupFiles): a response that contradicts the OpenAPI document, seen by
 * any test bridge during a test (or a file's beforeAll/afterAll), fails it, with what was wrong.
 */
function failOnMismatches(when: string): void {
  const seen = takeMismatches();
  if (seen.length) throw new Error(`${seen.length} response(s) ${when} do not match the OpenAPI document (bridge/src/http/openapi/):\n- ${seen.join('\n- ')}`);
}

afterEach(() => failOnMismatches('in this test'));
afterAll(() => failOnMismatches('in this file (outside its tests)'));
