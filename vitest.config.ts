import { defineConfig } from 'vitest/config';

// LibTorch's RNG is process-wide: forks, not threads (seeded tests race under threads).
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
