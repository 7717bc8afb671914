/**
 * The check vocabulary of the specs. A check is one vitest test with a stable dotted id; its
 * evidence goes into the test's meta, where the report reporter reads it. A check whose
 * input could not be had (a resource not found, a target that cannot perform it) is
 * reported as skipped with the reason — never as passed.
 */
import { inject, it, type TestContext } from 'vitest';
import type { ApiCall } from '../cloud/clients.js';
import type { WaitRecord } from '../core/waits.js';
import { e2e, type E2e } from './context.js';
import { RUN_CONFIG } from './provided.js';

export type Evidence = Record<string, unknown>;

export interface CheckMeta {
  checkId: string;
  evidence?: Evidence;
  distribution?: Record<string, number>;
  reason?: string;
  /** Why a skipped check was skipped (report.json `skipKind`; grading scores the kinds apart). */
  skipKind?: SkipKind;
  /** The API calls and waits made since the previous check ended (the report's apiCalls and waits). */
  apiCalls?: ApiCall[];
  waits?: WaitRecord[];
}

declare module 'vitest' {
  interface TaskMeta {
    check?: CheckMeta;
  }
}

/**
 * Where a skip came from: the target cannot perform the check (`capability`), the mode does not
 * run it (`mode`) — nobody's fault — or what it needs is missing (`dependency`): not built.
 */
export type SkipKind = 'capability' | 'mode' | 'dependency';

/** Thrown by a check whose input is missing: the check is skipped with this reason. */
export class Skip extends Error {
  constructor(
    reason: string,
    /** A skip passed on from an earlier check keeps that check's kind. */
    readonly kind: SkipKind = 'dependency',
  ) {
    super(reason);
    this.name = 'Skip';
  }
}

/** A skipIf reason is a capability when it is one of the target's stated limits, else the mode's. */
function skipIfKind(ctx: E2e, reason: string): SkipKind {
  return Object.values(ctx.profile.capabilities).includes(reason) ? 'capability' : 'mode';
}

/** A value produced by one check (a resource, a measurement) and used by later ones. */
export interface Given<T> {
  readonly id: string;
  /** The value, or a Skip naming the check that failed to produce it. */
  get(): Promise<T>;
}

export interface CheckOptions {
  /** A reason to skip instead of running (a target capability, the mode), or undefined to run. */
  skipIf?: (ctx: E2e) => string | undefined;
}

function runCheck<T>(id: string, title: string, fn: (ctx: E2e, test: TestContext) => Promise<T>, opts: CheckOptions, onDone?: (r: { ok: true; value: T } | { ok: false; error: unknown }) => void) {
  it(`[${id}] ${title}`, async (test) => {
    const meta: CheckMeta = { checkId: id };
    test.task.meta.check = meta;
    const ctx = e2e();
    // what the check called and waited for travels to the main process with its result
    test.onTestFinished(() => {
      meta.apiCalls = ctx.calls.splice(0);
      meta.waits = ctx.waits.splice(0);
    });
    const skipReason = opts.skipIf?.(ctx);
    if (skipReason) {
      meta.reason = skipReason;
      meta.skipKind = skipIfKind(ctx, skipReason);
      onDone?.({ ok: false, error: new Skip(`${id} was skipped: ${skipReason}`, meta.skipKind) });
      test.skip(skipReason);
      return;
    }
    try {
      const value = await fn(ctx, test);
      if (value && typeof value === 'object' && !Array.isArray(value) && 'evidence' in (value as object)) {
        meta.evidence = (value as unknown as { evidence: Evidence }).evidence;
      }
      onDone?.({ ok: true, value });
    } catch (err) {
      onDone?.({ ok: false, error: err });
      if (err instanceof Skip) {
        meta.reason = err.message;
        meta.skipKind = err.kind;
        test.skip(err.message);
        return;
      }
      throw err;
    }
  });
}

export function step(spec: string) {
  const seams = inject(RUN_CONFIG);
  // Test seam for the teardown proof: a provision run that fails at this spec.
  if (seams?.testFailAt === spec) {
    it(`[${spec}.injected-failure] fails on purpose (E2E_TEST_FAIL_AT)`, () => {
      throw new Error(`injected failure at ${spec} (E2E_TEST_FAIL_AT)`);
    });
  }
  // Test seams for the grading isolation proof: the worker's event loop blocked for good (no timer,
  // no cancel can reach it: only terminating the worker ends it), or the worker gone mid-run.
  if (seams?.testHangAt === spec) {
    it(`[${spec}.injected-hang] blocks the worker for good (E2E_TEST_HANG_AT)`, () => {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    });
  }
  if (seams?.testCrashAt === spec) {
    it(`[${spec}.injected-crash] ends the worker (E2E_TEST_CRASH_AT)`, () => {
      (process as unknown as { reallyExit(code: number): never }).reallyExit(70);
    });
  }
  return {
    spec,
    /**
     * A check that produces a value for later checks (usually: the step's resource exists).
     * When it fails or is skipped, every check that needs the value is skipped, naming it.
     */
    given<T>(id: string, title: string, fn: (ctx: E2e) => Promise<{ value: T; evidence?: Evidence }>, opts: CheckOptions = {}): Given<T> {
      let settle!: (r: { ok: true; value: T } | { ok: false; error: unknown }) => void;
      const result = new Promise<{ ok: true; value: T } | { ok: false; error: unknown }>((r) => (settle = r));
      runCheck(id, title, (ctx) => fn(ctx), opts, (r) => settle(r.ok ? { ok: true, value: (r.value as { value: T }).value } : r));
      return {
        id,
        async get() {
          const r = await result;
          if (r.ok) return r.value;
          const why = r.error instanceof Skip ? r.error.message : `${id} failed: ${(r.error as Error)?.message?.split('\n')[0]}`;
          throw new Skip(`depends on ${why}`, r.error instanceof Skip ? r.error.kind : 'dependency');
        },
      };
    },
    /** A check: assert with expect(); return { evidence } to put what was seen in the report. */
    check(id: string, title: string, fn: (ctx: E2e, test: TestContext) => Promise<{ evidence?: Evidence } | void>, opts: CheckOptions = {}): void {
      runCheck(id, title, fn, opts);
    },
  };
}

/** Evidence helper for checks that also report the distribution (report.json `distribution`). */
export function recordDistribution(test: TestContext, distribution: Record<string, number>): void {
  const meta = test.task.meta.check;
  if (meta) meta.distribution = distribution;
}

/**
 * Turns a failed lookup of an earlier step's resource into a skip naming that step, so a
 * missing target group fails once (at target-group.found) instead of in every later check.
 */
export async function need<T>(dependsOn: string, lookup: Promise<T>): Promise<T> {
  try {
    return await lookup;
  } catch (err) {
    if (err instanceof Skip) throw err;
    throw new Skip(`depends on ${dependsOn}: ${(err as Error).message.split('\n')[0]}`);
  }
}
