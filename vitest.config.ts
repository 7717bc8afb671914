import { defineConfig } from 'vitest/config';
import { FileOrderSequencer } from './helpers/file-order.js';

export default defineConfig({
  test: {
    // root-level only: vitest reads the sequencer from the root config, not from a project
    sequence: { sequencer: FileOrderSequencer },
    // failure messages carry what was seen in full (an array of problems must not read "[ …(2) ]")
    chaiConfig: { truncateThreshold: 0 },
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      // The simulator's tests open real sockets on loopback; files run in parallel, each with its own sim.
      { test: { name: 'sim', include: ['test/sim/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 } },
      // Whole-suite runs (faults, read-only, teardown, bad input) each drive a full e2e run:
      // serial, because two full runs at once on 2 cores make timing-sensitive checks noisy.
      {
        test: {
          name: 'suite',
          include: ['test/suite/**/*.test.ts', 'test/faults/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      // The product itself: the module's steps, in file order, one shared context.
      {
        test: {
          name: 'e2e',
          chaiConfig: { truncateThreshold: 0 },
          include: ['specs/**/*.spec.ts'],
          globalSetup: ['helpers/global-setup.ts'],
          sequence: { concurrent: false },
          maxWorkers: 1,
          fileParallelism: false,
          isolate: false,
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
