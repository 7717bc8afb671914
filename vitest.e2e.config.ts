/**
 * The product itself: the module's steps, in file order, in one worker sharing one context.
 * A config of its own (not a project of vitest.config.ts) so a run does not pay for setting
 * up the test projects it does not run — seconds per run, and grading runs many.
 *
 * The same file serves the sources (TypeScript, through vite's module runner) and the build
 * (dist/vitest.e2e.config.js, scripts/build.js): there the specs and helpers are plain
 * JavaScript, so the worker imports them with Node's own import — no transform, no module
 * runner — which cuts the worker's start (bench/e2e-suite.ts).
 */
import { defineConfig } from 'vitest/config';
import { FileOrderSequencer } from './helpers/run/file-order.js';

// vite bundles a .ts config and keeps import.meta.url pointing at this file
const compiled = import.meta.url.endsWith('.js');
const ext = compiled ? 'js' : 'ts';

export default defineConfig({
  test: {
    include: [`specs/**/*.spec.${ext}`],
    globalSetup: [`helpers/run/global-setup.${ext}`],
    // an interrupt is the main process's to handle (helpers/run/worker-signals.ts says why)
    setupFiles: [`helpers/run/worker-signals.${ext}`],
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
    // the specs use neither vi.mock nor import.meta.vitest: Node's import, without vitest's loader hook
    ...(compiled ? { experimental: { viteModuleRunner: false, nodeLoader: false } } : {}),
  },
});
