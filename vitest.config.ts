import { defineConfig } from 'vitest/config';

/**
 * One place for the suite's settings. Timeouts are sized for a shared
 * 2-core machine whose cores are busy with other work: a test fails for a
 * wrong result, never for being slow (speed is measured by `npm run bench`).
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds dist/ once when the sources changed (end-to-end tests and worker
    // threads run the built code), and gives the suite its own temp folder.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    teardownTimeout: 60_000,
  },
});
