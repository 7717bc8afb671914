/**
 * In the spec worker (a setup file of vitest.e2e.config.ts). Ctrl-C in a terminal signals the
 * whole process group — this worker too — and so does a CI runner cancelling a step. A worker
 * that dies in the middle of a spec leaves vitest 4.1's close() waiting forever: the run never
 * reached its teardown and left behind what it had created. What an interrupt does is the main
 * process's decision (helpers/run/run-suite.ts): it closes vitest, which stops this worker, and
 * then removes what the run created. So the worker ignores SIGINT and SIGHUP, and SIGTERM while it still
 * listens to the main process; once vitest has torn it down (it stops listening for messages)
 * a SIGTERM is vitest's own way to stop it, and it exits at once.
 */
const installed = Symbol.for('ecs-alb-e2e.worker-signals');
const global = globalThis as { [installed]?: true };
// vitest replaces process.exit in its workers with one that throws "process.exit unexpectedly
// called"; reallyExit is what Node's own exit ends in (signal-exit relies on it too)
const reallyExit = (process as unknown as { reallyExit: (code: number) => never }).reallyExit.bind(process);

// isolate: false runs the setup file before every spec file in the same worker: install once
if (!global[installed]) {
  global[installed] = true;
  process.on('SIGINT', () => {});
  // a closed terminal hangs up the whole process group as well: the main process decides
  process.on('SIGHUP', () => {});
  process.on('SIGTERM', () => {
    if (process.listenerCount('message') === 0) reallyExit(143);
  });
}
