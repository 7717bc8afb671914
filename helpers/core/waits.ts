/**
 * The one poll/retry primitive. Waits name their condition and the last state seen; they poll
 * fast (the target's pollMs; 50 ms on the simulator) because SDK waiters poll every 15 s at best
 * and treat a DRAINING service as failure. A poll that throws stops the wait at once — unless the
 * error is transient (throttling, a read that has not caught up with a write): then it is polled
 * again later, with backoff, and the wait's record says so. The clock is injectable.
 */
export interface WaitRecord {
  what: string;
  ms: number;
  polls: number;
  lastState: string;
  ok: boolean;
  /** Polls answered by a transient error (throttling, eventual consistency), polled again later. */
  transient?: number;
  /** Milliseconds slept in backoff after those polls (each doubling from pollMs), part of `ms`. */
  backoffMs?: number;
  /** The transient errors seen, by label (e.g. `{ "Throttling": 3 }`). */
  transientBy?: Record<string, number>;
}

export class WaitTimeout extends Error {
  constructor(
    readonly what: string,
    readonly ms: number,
    readonly lastState: string,
  ) {
    super(`timed out after ${(ms / 1000).toFixed(1)} s waiting for ${what}; last state seen: ${lastState}`);
    this.name = 'WaitTimeout';
  }
}

/** A poll that returns the state it saw and whether the wait is over. */
export type Poll<T> = () => Promise<{ done: boolean; state: string; value?: T }>;

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface WaitOptions {
  pollMs: number;
  timeoutMs: number;
  /** Progress lines go here (stderr by default) every progressEveryMs. */
  progress?: (line: string) => void;
  progressEveryMs?: number;
  /** A label when the error means "poll again later" (throttling, not yet consistent); undefined = fatal. */
  transient?: (err: unknown) => string | undefined;
  /**
   * Longest backoff after transient errors (default 5 s). A wait for a state that ends by itself
   * (a DependencyViolation until a deleted ALB's interfaces are gone) caps it lower, so it notices
   * the end soon after it comes instead of sleeping through it.
   */
  maxBackoffMs?: number;
  /** Give up after this many polls (the last error is thrown as it is). */
  maxPolls?: number;
  /** Every finished wait, done or not (the report's timeline). */
  onRecord?: (record: WaitRecord) => void;
  clock?: Partial<Clock>;
}

/** Backoff after transient errors: doubling from pollMs, at most 32 × pollMs and maxMs (5 s unless given). */
const backoff = (pollMs: number, streak: number, maxMs = 5_000) => Math.min(pollMs * 2 ** Math.min(streak, 5), Math.max(pollMs, maxMs));

export async function waitFor<T>(what: string, poll: Poll<T>, opts: WaitOptions): Promise<{ value: T | undefined; record: WaitRecord }> {
  const clock = { ...realClock, ...opts.clock };
  const progress = opts.progress ?? ((line: string) => process.stderr.write(`${line}\n`));
  const every = opts.progressEveryMs ?? 5_000;
  const started = clock.now();
  let lastState = 'not polled yet';
  let lastProgress = started;
  let polls = 0;
  let transient = 0;
  let streak = 0;
  let backoffMs = 0;
  const transientBy: Record<string, number> = {};
  const finish = (ok: boolean): WaitRecord => {
    const record: WaitRecord = {
      what,
      ms: Math.round(clock.now() - started),
      polls,
      lastState,
      ok,
      ...(transient ? { transient, backoffMs: Math.round(backoffMs), transientBy } : {}),
    };
    opts.onRecord?.(record);
    return record;
  };
  for (;;) {
    polls++;
    try {
      const r = await poll();
      streak = 0;
      lastState = r.state;
      if (r.done) return { value: r.value, record: finish(true) };
    } catch (err) {
      const label = opts.transient?.(err);
      if (!label || (opts.maxPolls !== undefined && polls >= opts.maxPolls)) {
        finish(false);
        throw err;
      }
      transient++;
      streak++;
      transientBy[label] = (transientBy[label] ?? 0) + 1;
      lastState = label;
    }
    const t = clock.now();
    if (t - lastProgress >= every) {
      lastProgress = t;
      progress(`… waiting for ${what} (${((t - started) / 1000).toFixed(1)} s so far, last state: ${lastState})`);
    }
    if (t - started >= opts.timeoutMs || (opts.maxPolls !== undefined && polls >= opts.maxPolls)) {
      const record = finish(false);
      throw new WaitTimeout(what, record.ms, lastState);
    }
    const sleepMs = Math.min(streak ? backoff(opts.pollMs, streak, opts.maxBackoffMs) : opts.pollMs, Math.max(0, opts.timeoutMs - (t - started)));
    if (streak) backoffMs += sleepMs;
    await clock.sleep(sleepMs);
  }
}

/** A label for errors whose name is one of `codes` (for WaitOptions.transient). */
export const errorNamed =
  (codes: readonly string[]) =>
  (err: unknown): string | undefined => {
    const name = (err as { name?: string })?.name ?? '';
    return codes.includes(name) ? name : undefined;
  };

/**
 * Retries a call on the named errors only (a read that may follow a write too closely), through
 * waitFor: linear-ish backoff from delayMs, at most `tries` calls, the last error thrown as it is.
 */
export async function retryEventual<T>(fn: () => Promise<T>, codes: string[], opts: { tries?: number; delayMs?: number; what?: string; clock?: Partial<Clock> } = {}): Promise<T> {
  const { value } = await waitFor(opts.what ?? 'a read to see the last write', async () => ({ done: true, state: 'answered', value: await fn() }), {
    pollMs: opts.delayMs ?? 250,
    timeoutMs: Number.POSITIVE_INFINITY,
    maxPolls: opts.tries ?? 8,
    transient: errorNamed(codes),
    progress: () => {},
    clock: opts.clock,
  });
  return value as T;
}
