/**
 * Many runs of the suite in one process, a few at a time — grading a class. A run costs a whole
 * process and its own vitest (≈ 520 MB, ≈ 4.5 CPU-s of start-up) when each has its own
 * (`ecs-alb-e2e run`); here each of `slots` slots is one Vitest instance with one worker thread
 * that outlives its runs (helpers/run/persistent-threads.ts), and runs one participant after
 * another: the configuration, the per-run reporters (report.json/md/html, junit.xml) and the
 * output (run.log) are the run's own; the loaded code is shared.
 *
 * Why one Vitest instance a slot, not one for all: a Vitest instance runs one test run at a time
 * (a second waits for the first), and a run cannot stop one of its projects alone — so runs that
 * start and end on their own, and a timeout that stops only its own run, need one instance each.
 * Instances are cheap (a few MB each); the worker thread (its SDK) is what costs memory.
 *
 * Isolation: a run's configuration travels with its own run request (vitest provide/inject;
 * credentials inside it, never through the environment). A timeout or Ctrl-C terminates that
 * slot's thread — even one whose event loop is blocked — and cancels only that slot's run; a
 * thread that dies by itself (a crash) ends only its run. Such a slot is closed and a new one
 * takes its place for the next run.
 */
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import type { TestSpecification, Vitest } from 'vitest/node';
import type { Config } from '../core/config.js';
import type { Report } from '../report/report.js';
import { RUN_CONFIG } from '../suite/provided.js';
import { startRunTarget } from './lifecycle.js';
import { PersistentThread, persistentThreads } from './persistent-threads.js';
import { BadInput, concludeRun, preflight, runReporter } from './run-suite.js';

const PACKAGE_ROOT = resolve(import.meta.dirname, '..', '..');
// vitest's own logger installs these on the process: a signal or a stray rejection would end the
// whole process (every slot's run) within a millisecond. The host's caller decides about signals.
const VITEST_PROCESS_EVENTS = ['SIGINT', 'SIGTERM', 'exit', 'unhandledRejection'] as const;

type Env = Record<string, string | undefined>;

export interface HostedRun {
  /** The run's E2E_* settings, as for `ecs-alb-e2e run` (read by parseConfig, never set on the process). */
  env: Env;
  /** Target aws: the participant's own credentials or profile (Config.awsCredentials / awsProfile). */
  access?: Pick<Config, 'awsCredentials' | 'awsProfile'>;
  /** Everything the run prints (vitest's default reporter, the junit line, the report line). */
  log(text: string): void;
  timeoutMs: number;
  /** Aborted: the run is stopped like a timeout and reported `interrupted`. */
  signal?: AbortSignal;
}

export interface HostedResult {
  exitCode: number;
  report?: Report;
  reportDir?: string;
  timedOut: boolean;
  interrupted: boolean;
  /** The run's worker thread ended by itself in the middle of the run: what it said. */
  crashed?: string;
  /** The last error the run reported, one line (why there is no report, or why it failed). */
  lastErrorLine?: string;
}

type RunReporter = { onTestRunEnd?: (...args: never[]) => unknown };

class Slot {
  private sink?: (text: string) => void;
  private reporters: RunReporter[] = [];
  private warmed!: () => void;
  /** Resolves once the worker has loaded the suite (its first check starts) or its first run ended. */
  readonly warm = new Promise<void>((r) => (this.warmed = r));
  private constructor(
    readonly vitest: Vitest,
    private readonly specs: TestSpecification[],
    private readonly out: Writable,
    readonly thread: PersistentThread,
  ) {}

  static async create(): Promise<Slot> {
    const { createVitest } = await import('vitest/node');
    let slot: Slot | undefined;
    const out = new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        slot?.sink?.(chunk.toString());
        done();
      },
    });
    // V8's default young generation lets each worker isolate hold up to 48 MB of short-lived
    // objects; 16 MB is plenty for a run's answers and cost nothing measurable (≈ 40 MB less at 8 slots)
    const thread = new PersistentThread({ maxYoungGenerationSizeMb: 16 });
    const listeners = (e: string) => (process.listeners as (e: string) => Array<(...a: unknown[]) => void>)(e);
    const before = new Map(VITEST_PROCESS_EVENTS.map((e) => [e, new Set(listeners(e))]));
    const vitest = await createVitest(
      'test',
      {
        root: PACKAGE_ROOT,
        config: join(PACKAGE_ROOT, 'vitest.e2e.config.ts'),
        watch: false,
        pool: persistentThreads(thread),
        // the run's own reporters change with every run: the forwarder hands each its events
        reporters: ['default', { onTestRunEnd: (...args: unknown[]) => slot?.forward(args), onTestCaseReady: () => slot?.warmed() }],
      },
      {},
      { stdout: out as unknown as NodeJS.WriteStream, stderr: out as unknown as NodeJS.WriteStream },
    );
    for (const event of VITEST_PROCESS_EVENTS) {
      for (const l of listeners(event)) if (!before.get(event)!.has(l)) process.off(event, l);
    }
    await vitest.standalone();
    const specs = await vitest.globTestSpecifications();
    slot = new Slot(vitest, specs, out, thread);
    return slot;
  }

  private async forward(args: unknown[]): Promise<void> {
    for (const r of this.reporters) await (r.onTestRunEnd as ((...a: unknown[]) => unknown) | undefined)?.(...args);
  }

  /**
   * One run on this slot. `healthy` false afterwards: the slot's thread was terminated or died,
   * and the slot must not be used again.
   */
  async run(run: HostedRun, config: Config, target: Awaited<ReturnType<typeof startRunTarget>>, startedAt: Date): Promise<HostedResult & { healthy: boolean }> {
    const [{ JUnitReporter }, { renderHtmlReport }] = await Promise.all([import('vitest/node'), import('../report/html.js')]);
    const reportDir = resolve(config.reportDir);
    this.sink = run.log;
    const reporter = runReporter(config, target, startedAt, renderHtmlReport);
    const junit = new JUnitReporter({ outputFile: join(reportDir, 'junit.xml') });
    await junit.onInit(this.vitest);
    this.reporters = [junit, reporter];
    this.vitest.provide(RUN_CONFIG, target.config);

    let stopped: 'timeout' | 'interrupt' | undefined;
    let crashed: string | undefined;
    const stop = (why: 'timeout' | 'interrupt') => {
      if (stopped) return;
      stopped = why;
      // the thread first: cancelling alone waits for the running check to end, which a hung one never does
      void this.thread.kill();
      void this.vitest.cancelCurrentRun('keyboard-input').catch(() => undefined);
    };
    const offExit = this.thread.onExit((code) => (crashed = `the run's worker thread exited by itself (code ${code}) in the middle of the run`));
    const timer = setTimeout(() => stop('timeout'), run.timeoutMs);
    const onAbort = () => stop('interrupt');
    if (run.signal?.aborted) onAbort();
    run.signal?.addEventListener('abort', onAbort, { once: true });
    let lastErrorLine: string | undefined;
    try {
      const result = await this.vitest.runTestSpecifications(this.specs, true);
      const first = result.unhandledErrors[0] as { message?: string } | undefined;
      if (first) lastErrorLine = `vitest: ${String(first.message ?? first).split('\n')[0]}`;
    } catch (err) {
      lastErrorLine = `vitest: ${(err as Error).message.split('\n')[0]}`;
      run.log(`${lastErrorLine}\n`);
    } finally {
      clearTimeout(timer);
      this.warmed();
      offExit();
      run.signal?.removeEventListener('abort', onAbort);
      this.reporters = [];
    }
    if (crashed) {
      lastErrorLine = crashed;
      run.log(`${crashed}\n`);
    }
    const report = reporter.report;
    const logLine = (text: string) => run.log(`${text}\n`);
    const concluded = concludeRun(report, config, { line: logLine, command: logLine });
    this.sink = undefined;
    const failed = concluded.failed || lastErrorLine !== undefined;
    return {
      exitCode: stopped ? 130 : failed ? 1 : 0,
      report,
      reportDir,
      timedOut: stopped === 'timeout',
      interrupted: stopped === 'interrupt',
      ...(crashed ? { crashed } : {}),
      ...(lastErrorLine ? { lastErrorLine } : {}),
      healthy: !stopped && !crashed && this.thread.running,
    };
  }

  async close(): Promise<void> {
    this.warmed();
    await this.thread.kill();
    await this.vitest.close().catch(() => undefined);
    this.out.destroy();
  }
}

export class SuiteHost {
  private readonly idle: Slot[] = [];
  private readonly all = new Set<Slot>();
  /** Slots that exist or are being made (≤ slots). */
  private count = 0;
  /** A new slot loading the suite: the next one waits for it (see acquire). */
  private warming?: Promise<void>;
  private readonly waiting: Array<() => void> = [];
  private readonly onRejection = (reason: unknown) => this.warn(`a rejection nobody handled, in the grading process (grading goes on): ${(reason as Error)?.stack ?? String(reason)}`);
  private closed = false;

  constructor(
    private readonly slots: number,
    private readonly warn: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
  ) {
    if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`slots must be a whole number ≥ 1, got ${slots}`);
    // one participant's run must not end the others' (vitest's own listener would exit the process)
    process.on('unhandledRejection', this.onRejection);
  }

  private wake(): void {
    this.waiting.shift()?.();
  }

  /**
   * An idle slot, else a new one — but slots are added one at a time: a new one only once the
   * previous new one has loaded the suite. Loading is most of what a slot costs (≈ 2 CPU-s: the
   * SDK, vitest's worker, the transforms), so eight loading at once on two cores would hold back
   * the first grades; one at a time, warm slots grade while the next loads, and a class that
   * fewer slots can take never pays for all of them. At most `slots` at once, as before.
   */
  private async acquire(): Promise<Slot> {
    for (;;) {
      const idle = this.idle.pop();
      if (idle) return idle;
      if (this.count < this.slots && !this.warming) {
        this.count++;
        let slot: Slot;
        try {
          slot = await Slot.create();
        } catch (err) {
          this.count--;
          this.wake();
          throw err;
        }
        this.all.add(slot);
        this.warming = slot.warm.then(() => {
          this.warming = undefined;
          this.wake();
        });
        return slot;
      }
      await new Promise<void>((r) => this.waiting.push(r));
    }
  }

  private release(slot: Slot, healthy: boolean): void {
    if (healthy && !this.closed) this.idle.push(slot);
    else {
      this.all.delete(slot);
      this.count--;
      void slot.close();
    }
    this.wake();
  }

  /** Runs the suite once, as `ecs-alb-e2e run` would with `run.env`; waits for a free slot. */
  async run(run: HostedRun): Promise<HostedResult> {
    const startedAt = new Date(); // the report's duration covers preflight too, as a run's does
    let config: Config;
    try {
      config = await preflight(run.env, run.access);
    } catch (err) {
      if (!(err instanceof BadInput)) throw err;
      run.log(`${err.message}\n`);
      return { exitCode: 2, timedOut: false, interrupted: false, lastErrorLine: err.message };
    }
    let target: Awaited<ReturnType<typeof startRunTarget>>;
    try {
      target = await startRunTarget(config);
    } catch (err) {
      const line = `the target did not start: ${(err as Error).message.split('\n')[0]}`;
      run.log(`${line}\n`);
      return { exitCode: 1, timedOut: false, interrupted: false, lastErrorLine: line };
    }
    let slot: Slot | undefined;
    let healthy = false;
    try {
      slot = await this.acquire();
      const result = await slot.run(run, config, target, startedAt);
      healthy = result.healthy;
      const { healthy: _, ...rest } = result;
      return rest;
    } finally {
      if (slot) this.release(slot, healthy);
      await target.finish().catch((err: unknown) => run.log(`teardown: ${(err as Error).message}\n`));
    }
  }

  /** Terminates every slot's thread and closes its Vitest instance. */
  async close(): Promise<void> {
    this.closed = true;
    process.off('unhandledRejection', this.onRejection);
    const slots = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    await Promise.all(slots.map((s) => s.close()));
  }
}
