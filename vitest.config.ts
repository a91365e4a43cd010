import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/globalSetup.ts'],
    // Each response a test bridge writes is checked against the OpenAPI document (openapiConformance.ts).
    setupFiles: ['test/support/openapiConformanceSetup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One file at a time: several files start bridges, private databases and child processes,
    // and on a 2-core machine running them side by side made the outage and leak tests race
    // the clock rather than test the code.
    fileParallelism: false,
    reporters: ['default'],
  },
});
