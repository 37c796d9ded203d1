import { defineConfig } from 'vitest/config';

// Browser tests: Playwright (playwright-core) driving Debian's Chromium against a real server process.
// Run with `npm run test:browser`; the main `npm test` excludes test/browser/**.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    globalSetup: ['test/browser/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Each file runs its own server on its own data directory and port, and its own Chromium: two files
    // at a time keep both cores busy while the other waits on a page or a delivery.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
