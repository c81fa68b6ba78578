import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', 'target/**', 'storybook-static/**'],
    // vitest's default (cores - 1) runs one file at a time on a 2-core machine; most files wait on
    // worker threads or a child process part of the time, so two at once halve the wall time there
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // with two files at once on 2 cores, a test that takes 2 s alone can take 6: 5 s is too tight
    testTimeout: 20_000,
  },
});
