import { defineConfig } from 'vitest/config';

// The suite's own tests. The specs (the product) have their own config: vitest.e2e.config.ts.
export default defineConfig({
  test: {
    projects: [
      // test/<layer>/ mirrors helpers/<layer>/ (and fixtures/): no sockets, no child processes
      {
        test: {
          name: 'unit',
          include: ['test/{core,targets,cloud,traffic,suite-unit,report,grade,fixtures,architecture}/**/*.test.ts'],
        },
      },
      // The simulator's tests open real sockets on loopback; files run in parallel, each with its own sim.
      { test: { name: 'sim', include: ['test/sim/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000 } },
      // Whole-suite runs (faults, read-only, teardown, bad input) each drive full e2e runs in
      // child processes: serial, because two at once on 2 cores make timing-sensitive checks noisy.
      {
        test: {
          name: 'suite',
          include: ['test/suite/**/*.test.ts', 'test/faults/**/*.test.ts'],
          testTimeout: 900_000,
          // a list of unexplained failures must read in full, not "[ …(2) ]"
          chaiConfig: { truncateThreshold: 0 },
          hookTimeout: 300_000,
          fileParallelism: false,
          // it.concurrent cases (the fault corpus: independent participants on one simulator)
          maxConcurrency: 3,
        },
      },
    ],
  },
});
