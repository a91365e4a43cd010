import { defineConfig } from 'vitest/config';

/** The real-n8n end-to-end test (npm run test:e2e → scripts/e2e-n8n.sh). */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    globalSetup: ['test/support/globalSetup.ts'],
    setupFiles: ['test/support/openapiConformanceSetup.ts'],
    testTimeout: 120_000,
    hookTimeout: 400_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: ['default'],
  },
});
