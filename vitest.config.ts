import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // DuckDB is a native module: separate processes keep each test file's files and locks apart.
    pool: 'forks',
    reporters: ['default', './test/helpers/countReporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
