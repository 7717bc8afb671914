import { describe, expect, it } from 'vitest';
import { throttled } from '../../helpers/cloud/errors.js';
import { retryEventual, waitFor, WaitTimeout, type WaitRecord } from '../../helpers/core/waits.js';

describe('waitFor', () => {
  it('resolves with the value once the poll says done, counting polls', async () => {
    let n = 0;
    const { value, record } = await waitFor('the counter to reach 3', async () => ({ done: ++n >= 3, state: `at ${n}`, value: n }), { pollMs: 1, timeoutMs: 1_000, progress: () => {} });
    expect(value).toBe(3);
    expect(record).toMatchObject({ what: 'the counter to reach 3', polls: 3, lastState: 'at 3', ok: true });
  });

  it('times out naming what it waited for and the last state seen', async () => {
    const err = await waitFor('load balancer x to be active', async () => ({ done: false, state: 'provisioning' }), { pollMs: 5, timeoutMs: 50, progress: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitTimeout);
    expect((err as Error).message).toMatch(/^timed out after \d+\.\d s waiting for load balancer x to be active; last state seen: provisioning$/);
  });

  it('prints a progress line with what, how long so far and the last state (injectable clock)', async () => {
    let t = 0;
    const lines: string[] = [];
    let n = 0;
    await waitFor('tasks to run', async () => {
      t += 3_000;
      return { done: ++n === 3, state: `${n} running` };
    }, { pollMs: 1, timeoutMs: 60_000, progress: (l) => lines.push(l), progressEveryMs: 5_000, clock: { now: () => t } });
    expect(lines).toEqual(['… waiting for tasks to run (6.0 s so far, last state: 2 running)']);
  });

  it('a poll that throws stops the wait at once (a fatal error is not retried)', async () => {
    let n = 0;
    const err = await waitFor('x', async () => {
      n++;
      throw new Error('AccessDenied');
    }, { pollMs: 1, timeoutMs: 1_000, progress: () => {} }).catch((e: Error) => e);
    expect((err as Error).message).toBe('AccessDenied');
    expect(n).toBe(1);
  });
});

describe('waitFor: throttling is "poll again later"', () => {
  const throttle = (name: string) => Object.assign(new Error('Rate exceeded'), { name });

  it('polls again after a throttled poll, backing off (doubling from pollMs), and records it in the timeline', async () => {
    let t = 0;
    const sleeps: number[] = [];
    const records: WaitRecord[] = [];
    const answers = ['ThrottlingException', 'RequestLimitExceeded', 'Throttling', 'ok', 'Throttling', 'done'];
    const { value, record } = await waitFor('service s to be stable', async () => {
      const a = answers.shift()!;
      if (a !== 'ok' && a !== 'done') throw throttle(a);
      return { done: a === 'done', state: a, value: a };
    }, {
      pollMs: 100,
      timeoutMs: 60_000,
      transient: throttled,
      progress: () => {},
      onRecord: (r) => records.push(r),
      clock: { now: () => t, sleep: async (ms) => void (sleeps.push(ms), (t += ms)) },
    });
    expect(value).toBe('done');
    // three throttled polls in a row: 200, 400, 800; a good answer resets the streak (100); one more throttle: 200
    expect(sleeps).toEqual([200, 400, 800, 100, 200]);
    expect(record).toEqual({
      what: 'service s to be stable',
      ms: 1_700,
      polls: 6,
      lastState: 'done',
      ok: true,
      transient: 4,
      backoffMs: 1_600,
      transientBy: { ThrottlingException: 1, RequestLimitExceeded: 1, Throttling: 2 },
    });
    expect(records).toEqual([record]);
  });

  it('backoff is capped at 32 × pollMs and 5 s; throttled to the end is a timeout naming the throttling, not its error', async () => {
    let t = 0;
    const sleeps: number[] = [];
    const err = await waitFor('load balancer x to be active', async () => {
      throw throttle('Throttling');
    }, { pollMs: 500, timeoutMs: 30_000, transient: throttled, progress: () => {}, clock: { now: () => t, sleep: async (ms) => void (sleeps.push(ms), (t += ms)) } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitTimeout);
    expect((err as WaitTimeout).lastState).toBe('Throttling');
    expect(sleeps.slice(0, 5)).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
    expect(Math.max(...sleeps)).toBe(5_000);
  });

  it('maxBackoffMs caps the backoff (a dependency that ends by itself is noticed soon after)', async () => {
    let t = 0;
    const sleeps: number[] = [];
    let n = 0;
    await waitFor('security group x to be deleted', async () => {
      if (++n < 6) throw throttle('DependencyViolation');
      return { done: true, state: 'deleted' };
    }, { pollMs: 250, timeoutMs: 60_000, maxBackoffMs: 1_000, transient: (e) => (e as Error).name, progress: () => {}, clock: { now: () => t, sleep: async (ms) => void (sleeps.push(ms), (t += ms)) } });
    expect(sleeps).toEqual([500, 1_000, 1_000, 1_000, 1_000]);
  });

  it('a wait that never met throttling records no transient fields (report.json stays as it was)', async () => {
    const { record } = await waitFor('x', async () => ({ done: true, state: 'ok' }), { pollMs: 1, timeoutMs: 100, transient: throttled, progress: () => {} });
    expect(Object.keys(record).sort()).toEqual(['lastState', 'ms', 'ok', 'polls', 'what']);
  });

  it('without a transient option a throttled poll is fatal (the caller decides what is transient)', async () => {
    const err = await waitFor('x', async () => {
      throw throttle('Throttling');
    }, { pollMs: 1, timeoutMs: 100, progress: () => {} }).catch((e: Error) => e.name);
    expect(err).toBe('Throttling');
  });
});

describe('retryEventual', () => {
  it('retries only the named eventual-consistency errors', async () => {
    let n = 0;
    const ok = await retryEventual(async () => {
      if (++n < 3) throw Object.assign(new Error('not yet'), { name: 'InvalidGroup.NotFound' });
      return 'done';
    }, ['InvalidGroup.NotFound'], { delayMs: 1 });
    expect([ok, n]).toEqual(['done', 3]);
    const err = await retryEventual(async () => {
      throw Object.assign(new Error('no'), { name: 'UnauthorizedOperation' });
    }, ['InvalidGroup.NotFound'], { delayMs: 1 }).catch((e: Error) => e.name);
    expect(err).toBe('UnauthorizedOperation');
  });
});
