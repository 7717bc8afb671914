/**
 * The product itself: the module's steps, in file order, in one worker sharing one context.
 * A config of its own (not a project of vitest.config.ts) so a run does not pay for setting
 * up the test projects it does not run — seconds per run, and grading runs many.
 */
import { defineConfig } from 'vitest/config';
import { FileOrderSequencer } from './helpers/run/file-order.js';

export default defineConfig({
  test: {
    include: ['specs/**/*.spec.ts'],
    globalSetup: ['helpers/run/global-setup.ts'],
    // an interrupt is the main process's to handle (helpers/run/worker-signals.ts says why)
    setupFiles: ['helpers/run/worker-signals.ts'],
    sequence: { sequencer: FileOrderSequencer, concurrent: false },
    fileParallelism: false,
    maxWorkers: 1,
    isolate: false,
    testTimeout: 1_800_000,
    hookTimeout: 600_000,
    // the SDK's keep-alive sockets would hold the worker for the default 10 s after the last spec
    teardownTimeout: 500,
    // failure messages carry what was seen in full (an array of problems must not read "[ …(2) ]")
    chaiConfig: { truncateThreshold: 0 },
  },
});
