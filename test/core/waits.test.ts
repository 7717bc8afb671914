import { describe, expect, it } from 'vitest';
import { retryEventual, waitFor, WaitTimeout } from '../../helpers/core/waits.js';

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
