import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // The large fixture trees are committed as archives (tests/fixtures/README.md).
    globalSetup: ['tests/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: keep file-level parallelism modest so server/browser tests do not starve each other.
    maxWorkers: 2,
    pool: 'forks',
  },
});
