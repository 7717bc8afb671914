import { describe, expect, it } from 'vitest';
import { chiSquareEven, evenSpreadVerdict, SequentialSpread, type SpreadVerdict } from '../../helpers/traffic/stats.js';

const TASKS = ['aaaaaaaaaaaa', 'bbbbbbbbbbbb', 'cccccccccccc'];

/** mulberry32: a small seeded PRNG so "random" sequences are reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Feeds answers until the verdict is done or the sequence ends. */
function run(spread: SequentialSpread, next: (i: number) => string | undefined, limit = 10_000): SpreadVerdict {
  let verdict = spread.verdict();
  for (let i = 0; i < limit && !verdict.done; i++) verdict = spread.add(next(i));
  return verdict;
}

function weighted(random: () => number, weights: number[]): (i: number) => string {
  const sum = weights.reduce((a, b) => a + b, 0);
  return () => {
    let r = random() * sum;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i]!;
      if (r < 0) return TASKS[i]!;
    }
    return TASKS[weights.length - 1]!;
  };
}

describe('chiSquareEven', () => {
  it('is 0 with p = 1 for a perfectly even spread', () => {
    expect(chiSquareEven([10, 10, 10])).toEqual({ statistic: 0, df: 2, pValue: 1 });
  });

  it('matches a hand computation', () => {
    // expected 10 each: (25 + 0 + 25) / 10 = 5, df 2: p = exp(-5/2)
    const chi = chiSquareEven([15, 10, 5]);
    expect(chi.statistic).toBeCloseTo(5, 10);
    expect(chi.df).toBe(2);
    expect(chi.pValue).toBeCloseTo(Math.exp(-2.5), 6);
  });

  it('uses the df = k - 1 distribution (critical value 9.21 at 1 % for df 2, 6.63 for df 1)', () => {
    expect(chiSquareEven([0, 0, 0]).pValue).toBe(1);
    // df 1: statistic 6.635 is the 1 % critical value
    const n = 1000;
    const half = n / 2;
    const d = Math.sqrt((6.635 * half) / 2);
    expect(chiSquareEven([half + d, half - d]).pValue).toBeCloseTo(0.01, 4);
  });

  it('has nothing to test with one task or no answers', () => {
    expect(chiSquareEven([7])).toEqual({ statistic: 0, df: 0, pValue: 1 });
    expect(chiSquareEven([])).toEqual({ statistic: 0, df: 0, pValue: 1 });
  });
});

describe('evenSpreadVerdict', () => {
  it('does not reject an even spread and reports the expected count', () => {
    const v = evenSpreadVerdict([34, 33, 33]);
    expect(v.rejected).toBe(false);
    expect(v.expected).toBeCloseTo(100 / 3);
    expect(v.alpha).toBe(0.01);
  });

  it('rejects 50/25/25 over 200', () => {
    const v = evenSpreadVerdict([100, 50, 50]);
    expect(v.rejected).toBe(true);
    expect(v.statistic).toBeCloseTo(25, 10);
    expect(v.pValue).toBeLessThan(1e-5);
  });

  it('honours alpha', () => {
    // p = exp(-2.5) ≈ 0.082
    expect(evenSpreadVerdict([15, 10, 5]).rejected).toBe(false);
    expect(evenSpreadVerdict([15, 10, 5], { alpha: 0.1 }).rejected).toBe(true);
  });
});

describe('SequentialSpread', () => {
  it('decides even for a perfect round robin within 30 requests', () => {
    const spread = new SequentialSpread({ taskIds: TASKS });
    const v = run(spread, (i) => TASKS[i % 3]);
    expect(v.decided).toBe('even');
    expect(v.total).toBeLessThanOrEqual(30);
    expect(v.total).toBe(15);
    expect(v.allTasksSeen).toBe(true);
    expect(v.counts).toEqual({ [TASKS[0]!]: 5, [TASKS[1]!]: 5, [TASKS[2]!]: 5 });
    expect(v.chi?.pValue).toBe(1);
    expect(v.reason).toMatch(/rotation/);
  });

  it('tolerates reordering inside a turn (concurrent requests) and a round robin that does not start at the first task', () => {
    const order = ['b', 'a', 'c', 'c', 'b', 'a', 'a', 'c', 'b'];
    const spread = new SequentialSpread({ taskIds: ['a', 'b', 'c'] });
    const v = run(spread, (i) => order[i % order.length]);
    expect(v.decided).toBe('even');
    expect(v.total).toBeLessThanOrEqual(30);
  });

  it('recovers from one disturbed turn early on and still decides within 30', () => {
    const sequence = ['a', 'a', 'b', ...Array.from({ length: 100 }, (_, i) => ['c', 'a', 'b'][i % 3]!)];
    const spread = new SequentialSpread({ taskIds: ['a', 'b', 'c'] });
    const v = run(spread, (i) => sequence[i]);
    expect(v.decided).toBe('even');
    expect(v.total).toBeLessThanOrEqual(30);
  });

  it('decides missing-task when one task never answers, once that is statistically certain', () => {
    const spread = new SequentialSpread({ taskIds: TASKS });
    const v = run(spread, (i) => TASKS[i % 2]);
    expect(v.decided).toBe('missing-task');
    expect(v.allTasksSeen).toBe(false);
    // 3·(2/3)^n < 0.005 first holds at n = 16
    expect(v.total).toBe(16);
    expect(v.reason).toContain(TASKS[2]);
  });

  it('does not decide missing-task before it is certain', () => {
    const spread = new SequentialSpread({ taskIds: TASKS });
    for (let i = 0; i < 15; i++) expect(spread.add(TASKS[i % 2]).done).toBe(false);
    expect(spread.verdict().reason).toMatch(/waiting for cccccccccccc/);
  });

  it('decides uneven for a 2:1:1 weighted rotation, never even', () => {
    const pattern = [TASKS[0], TASKS[1], TASKS[0], TASKS[2]];
    const spread = new SequentialSpread({ taskIds: TASKS });
    const v = run(spread, (i) => pattern[i % 4]);
    expect(v.decided).toBe('uneven');
    expect(v.total).toBeLessThanOrEqual(200);
    expect(v.chi!.pValue).toBeLessThan(0.01);
  });

  it('decides uneven at the budget when the early boundary is out of reach', () => {
    const pattern = [TASKS[0], TASKS[1], TASKS[0], TASKS[2]];
    const spread = new SequentialSpread({ taskIds: TASKS, maxRequests: 120 });
    const v = run(spread, (i) => pattern[i % 4]);
    expect(v.decided).toBe('uneven');
    expect(v.total).toBe(120);
    expect(v.reason).toMatch(/after 120 requests/);
  });

  it('decides unknown-task at the first answer from an id outside the set', () => {
    const spread = new SequentialSpread({ taskIds: TASKS });
    spread.add(TASKS[0]);
    const v = spread.add('deadbeef0000');
    expect(v.decided).toBe('unknown-task');
    expect(v.unknown).toEqual(['deadbeef0000']);
    expect(v.total).toBe(2);
  });

  it('counts unattributed answers without letting them decide', () => {
    const spread = new SequentialSpread({ taskIds: TASKS });
    let v = spread.verdict();
    for (let i = 0; i < 30 && !v.done; i++) v = spread.add(i % 2 === 0 ? undefined : TASKS[((i - 1) / 2) % 3]);
    expect(v.decided).toBe('even');
    expect(v.unattributed).toBe(15);
    expect(v.total).toBe(30);
  });

  it('is final at the budget; later answers change nothing', () => {
    const spread = new SequentialSpread({ taskIds: TASKS, maxRequests: 5 });
    const v = run(spread, () => undefined);
    expect(v.done).toBe(true);
    expect(v.decided).toBe('missing-task');
    expect(spread.add(TASKS[0]).total).toBe(5);
  });

  it('decides even for one task once it has its minimum', () => {
    const v = run(new SequentialSpread({ taskIds: ['only'], minPerTask: 3 }), () => 'only');
    expect(v).toMatchObject({ decided: 'even', total: 3 });
  });

  it('rejects bad options', () => {
    expect(() => new SequentialSpread({ taskIds: [] })).toThrow(/at least one/);
    expect(() => new SequentialSpread({ taskIds: ['a', 'a'] })).toThrow(/duplicate/);
    expect(() => new SequentialSpread({ taskIds: ['a'], alpha: 0 })).toThrow(/alpha/);
  });

  it('needs more full turns for runs that start later (the alpha spent on each start halves)', () => {
    const spread = new SequentialSpread({ taskIds: TASKS });
    expect(spread.turnsNeeded(0)).toBe(4);
    expect(spread.turnsNeeded(10)).toBeGreaterThan(spread.turnsNeeded(0));
    expect(spread.turnsNeeded(10)).toBeLessThanOrEqual(9);
  });

  it('random uniform routing: decided even almost always (false rejections consistent with alpha)', () => {
    const seeds = 200;
    let rejections = 0;
    for (let seed = 1; seed <= seeds; seed++) {
      const v = run(new SequentialSpread({ taskIds: TASKS }), weighted(prng(seed), [1, 1, 1]));
      expect(v.done).toBe(true);
      if (v.decided !== 'even') rejections++;
    }
    // the stopping rule bounds the false-rejection rate by alpha = 1 %: 2 expected in 200;
    // 6 or more would happen with probability < 2 % if the bound held exactly
    expect(rejections).toBeLessThanOrEqual(5);
  });

  it('random 2:1:1 routing: rarely decided even within 200 requests, never within 400', () => {
    const seeds = 200;
    const evensWithin = (maxRequests: number) => {
      let evens = 0;
      for (let seed = 1; seed <= seeds; seed++) {
        const v = run(new SequentialSpread({ taskIds: TASKS, maxRequests }), weighted(prng(seed), [2, 1, 1]));
        if (v.decided === 'even') evens++;
        else expect(['uneven', 'missing-task']).toContain(v.decided);
      }
      return evens;
    };
    // Power of the final chi-square look (alpha/4, noncentrality 25 at n = 200) is ≈ 92 %: the
    // budget, not the rule, limits it. Doubling the budget makes it ≈ 100 %.
    expect(evensWithin(200)).toBeLessThanOrEqual(25);
    expect(evensWithin(400)).toBeLessThanOrEqual(1);
  });

  it('random routing that skips a task: missing-task, every seed', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const v = run(new SequentialSpread({ taskIds: TASKS }), weighted(prng(seed), [1, 1]));
      expect(v.decided).toBe('missing-task');
    }
  });
});
