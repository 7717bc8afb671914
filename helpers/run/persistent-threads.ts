/**
 * A vitest pool whose worker thread outlives a test run, for a process that runs the specs many
 * times (grading: one participant after another on the same Vitest instance).
 *
 * Why vitest forces this: its pool stops every runner at the end of a run (a non-isolated
 * runner is only handed on to a next task queued in the same run), so each run starts a new
 * worker and imports the SDK, the helpers and the specs again — measured here 1.5–2.5 CPU-s a
 * run, against 0.15 CPU-s for the checks themselves once loaded (README, "Grading"). This
 * worker keeps its thread: vitest's 'start' request to a thread that is already set up, and every
 * 'stop', are answered here instead of reaching it ('started'/'stopped'), so the worker's runtime stays
 * as it is between runs — its module cache (the SDK, the helpers; vitest re-evaluates the spec
 * files each run) and its test environment. Every 'run' request still reaches it, with that
 * run's provided context (the participant's configuration: helpers/suite/context.ts builds a
 * new run context when it changes).
 *
 * `kill()` terminates the thread (a timeout, Ctrl-C, closing): terminate() stops even a thread
 * whose event loop is blocked. A thread that exits on its own (a crash) is reported through
 * `onExit`. Either way the next run starts a fresh thread.
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { resolve } from 'node:path';
import type { PoolOptions, PoolRunnerInitializer, PoolWorker, WorkerRequest } from 'vitest/node';

export const PERSISTENT_THREADS = 'e2e-persistent-threads';

type Listener = (arg: unknown) => void;

export class PersistentThread {
  private thread?: Worker;
  /** The vitest runtime inside has had its 'start' (environment, module runner, rpc). */
  private started = false;
  /** Set by kill(): the thread's exit is ours, not a crash. */
  private killing = false;
  private exitListeners = new Set<(code: number) => void>();

  constructor(private readonly resourceLimits?: ResourceLimits) {}

  /** Called when the thread ends by itself (not by kill()), with its exit code. */
  onExit(listener: (code: number) => void): () => void {
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  get running(): boolean {
    return this.thread !== undefined;
  }

  /** @internal the pool worker's thread, started on first use */
  ensure(options: PoolOptions): Worker {
    if (!this.thread) {
      this.killing = false;
      this.started = false;
      const thread = new Worker(resolve(options.distPath, 'workers/threads.js'), {
        env: options.env,
        execArgv: options.execArgv,
        stdout: true,
        stderr: true,
        ...(this.resourceLimits ? { resourceLimits: this.resourceLimits } : {}),
      });
      thread.once('exit', (code) => {
        if (this.thread !== thread) return;
        this.thread = undefined;
        this.started = false;
        if (!this.killing) for (const l of this.exitListeners) l(code);
      });
      this.thread = thread;
    }
    return this.thread;
  }

  /** @internal whether a request is vitest's per-run set-up/tear-down that this thread does not need again */
  absorbs(message: WorkerRequest): 'started' | 'stopped' | undefined {
    if (message.type === 'start') {
      if (this.started) return 'started';
      this.started = true;
      return undefined;
    }
    // the runtime's own tear-down is never needed: the thread is either kept or terminated
    if (message.type === 'stop') return 'stopped';
    return undefined;
  }

  /** Terminates the thread now, whatever it is doing. */
  async kill(): Promise<void> {
    this.killing = true;
    const thread = this.thread;
    this.thread = undefined;
    this.started = false;
    await thread?.terminate();
  }
}

/** The pool for vitest's `pool` option: every runner of this Vitest instance uses `thread`. */
export function persistentThreads(thread: PersistentThread): PoolRunnerInitializer {
  return {
    name: PERSISTENT_THREADS,
    createPoolWorker(options: PoolOptions): PoolWorker {
      // the listeners of this runner only: a next run's runner must not hear this one's messages
      const listeners: Array<[string, Listener]> = [];
      const messageListeners = new Set<Listener>();
      const logger = options.project.vitest.logger;
      let worker: Worker | undefined;
      const answer = (type: 'started' | 'stopped') =>
        queueMicrotask(() => {
          for (const l of messageListeners) l({ type, __vitest_worker_response__: true });
        });
      return {
        name: PERSISTENT_THREADS,
        on(event, callback) {
          listeners.push([event, callback]);
          if (event === 'message') messageListeners.add(callback);
          worker?.on(event, callback);
        },
        off(event, callback) {
          if (event === 'message') messageListeners.delete(callback);
          worker?.off(event, callback);
        },
        send(message) {
          const absorbed = thread.absorbs(message);
          if (absorbed) return answer(absorbed);
          worker?.postMessage(message);
        },
        async start() {
          worker = thread.ensure(options);
          worker.stdout.pipe(logger.outputStream, { end: false });
          worker.stderr.pipe(logger.errorStream, { end: false });
        },
        async stop() {
          if (worker) {
            for (const [event, callback] of listeners) worker.off(event, callback);
            worker.stdout.unpipe(logger.outputStream);
            worker.stderr.unpipe(logger.errorStream);
          }
          worker = undefined;
        },
        deserialize: (data) => data,
      };
    },
  };
}
