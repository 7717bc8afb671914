/**
 * Waits that name their condition and the last state seen. They poll fast (the target's
 * pollMs; 50 ms on the simulator) because SDK waiters poll every 15 s at best and treat a
 * DRAINING service as failure; "stable" is decided here by what the checks need.
 */
import { appendFileSync } from 'node:fs';
import pWaitFor, { TimeoutError } from 'p-wait-for';

export interface WaitRecord {
  what: string;
  ms: number;
  polls: number;
  lastState: string;
  ok: boolean;
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

export interface WaitOptions {
  pollMs: number;
  timeoutMs: number;
  /** Progress lines go here (stderr by default) every progressEveryMs. */
  progress?: (line: string) => void;
  progressEveryMs?: number;
  now?: () => number;
}

export async function waitFor<T>(what: string, poll: Poll<T>, opts: WaitOptions): Promise<{ value: T | undefined; record: WaitRecord }> {
  const now = opts.now ?? (() => performance.now());
  const progress = opts.progress ?? ((line: string) => process.stderr.write(`${line}\n`));
  const every = opts.progressEveryMs ?? 5_000;
  const started = now();
  let lastState = 'not polled yet';
  let lastProgress = started;
  let polls = 0;
  let value: T | undefined;
  const finish = (ok: boolean): WaitRecord => {
    const record = { what, ms: Math.round(now() - started), polls, lastState, ok };
    // the report's timeline (built in the main process) reads the workers' waits from this file
    if (process.env.E2E_WAIT_LOG) appendFileSync(process.env.E2E_WAIT_LOG, `${JSON.stringify(record)}\n`);
    return record;
  };
  try {
    await pWaitFor(
      async () => {
        polls++;
        const r = await poll();
        lastState = r.state;
        value = r.value;
        const t = now();
        if (!r.done && t - lastProgress >= every) {
          lastProgress = t;
          progress(`… waiting for ${what} (${((t - started) / 1000).toFixed(1)} s so far, last state: ${lastState})`);
        }
        return r.done;
      },
      { interval: opts.pollMs, timeout: { milliseconds: opts.timeoutMs }, before: true },
    );
  } catch (err) {
    if (err instanceof TimeoutError) {
      const record = finish(false);
      throw new WaitTimeout(what, record.ms, lastState);
    }
    finish(false);
    throw err;
  }
  return { value, record: finish(true) };
}

/** Retries a read that may follow a write too closely (eventual consistency), on the named errors only. */
export async function retryEventual<T>(fn: () => Promise<T>, codes: string[], opts: { tries?: number; delayMs?: number } = {}): Promise<T> {
  const tries = opts.tries ?? 8;
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      const name = (err as { name?: string }).name ?? '';
      if (i >= tries || !codes.includes(name)) throw err;
      await new Promise((r) => setTimeout(r, (opts.delayMs ?? 250) * i));
    }
  }
}
