/**
 * The weight table and the hints name exactly the checks the specs define; points follow the
 * kind of skip; a grader's --weights file is checked before anything runs.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECK_HINTS } from '../../fixtures/module04-hints.js';
import { defaultWeights, loadWeights, nextStep, scoreChecks, WeightsError } from '../../helpers/grade/points.js';
import type { CheckResult } from '../../helpers/report/report.js';

const root = resolve(import.meta.dirname, '..', '..');

/** Every check id the spec files define: the first argument of s.check, s.given and expectSetting. */
function specCheckIds(): string[] {
  const ids: string[] = [];
  for (const file of readdirSync(join(root, 'specs')).filter((f) => f.endsWith('.spec.ts')).sort()) {
    const source = readFileSync(join(root, 'specs', file), 'utf8');
    for (const m of source.matchAll(/(?:\bs\.(?:check|given)(?:<[^>]*>)?\(|\bexpectSetting\()\s*'([^']+)'/g)) ids.push(m[1]!);
  }
  return ids;
}

const c = (id: string, status: CheckResult['status'], skipKind?: CheckResult['skipKind']): CheckResult => ({ id, spec: id.split('.')[0]!, title: id, status, ...(skipKind ? { skipKind } : {}) });

describe('the default weight table and the hints', () => {
  it('name exactly the 40 check ids of the specs, each with points ≥ 0 and a hint naming its step', () => {
    const ids = specCheckIds();
    expect(ids).toHaveLength(40);
    expect(Object.keys(defaultWeights()).sort()).toEqual([...ids].sort());
    expect(Object.keys(CHECK_HINTS).sort()).toEqual([...ids].sort());
    for (const id of ids) expect(CHECK_HINTS[id], id).toMatch(/^(Module 04, step [1-4] — |Modules 01–03)/);
    // Module 04's own work carries the points; the baseline of modules 01–03 is worth 0 by default
    for (const id of ids.filter((i) => !i.startsWith('preflight.'))) expect(defaultWeights()[id], id).toBeGreaterThan(0);
  });
});

describe('points', () => {
  const weights = { 'a.pass': 2, 'a.fail': 3, 'a.mode': 1, 'a.cap': 1, 'a.dep': 4, 'a.missing': 5 };

  it('earned over possible: capability and mode skips leave possible, dependency skips and missing checks earn nothing', () => {
    const s = scoreChecks([c('a.pass', 'passed'), c('a.fail', 'failed'), c('a.mode', 'skipped', 'mode'), c('a.cap', 'skipped', 'capability'), c('a.dep', 'skipped', 'dependency'), c('x.unknown', 'passed')], weights);
    expect(s.points).toBe(2);
    expect(s.maxPoints).toBe(2 + 3 + 4 + 5);
    expect(Object.fromEntries(s.checks.map((x) => [x.id, x.points]))).toEqual({
      'a.pass': { earned: 2, possible: 2 },
      'a.fail': { earned: 0, possible: 3 },
      'a.mode': { earned: 0, possible: 0 },
      'a.cap': { earned: 0, possible: 0 },
      'a.dep': { earned: 0, possible: 4 },
      'x.unknown': { earned: 0, possible: 0 },
    });
    // a skip without a kind (the run stopped before the check) is never free
    expect(scoreChecks([c('a.dep', 'skipped')], { 'a.dep': 4 }).maxPoints).toBe(4);
  });

  it('the next step is the hint of the first failed check, the participant\'s names filled in', () => {
    const checks = [c('target-group.found', 'passed'), c('load-balancer.found', 'failed'), c('lockdown.rules-only-from-alb', 'failed')];
    expect(nextStep({ nickname: 'ann', checks })).toMatch(/^Module 04, step 1 — load balancer: create the Application Load Balancer ann-ecs-alb/);
    expect(nextStep({ nickname: 'ann', checks: [c('target-group.found', 'passed')] })).toBe('');
  });

  it('--weights lays a file over the defaults and refuses unknown ids and bad numbers with one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'weights-'));
    const file = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));
    expect(loadWeights(file('ok.json', '{"lockdown.direct-access-blocked": 10, "preflight.cluster": 1}'))).toMatchObject({ 'lockdown.direct-access-blocked': 10, 'preflight.cluster': 1, 'target-group.found': 3 });
    for (const [name, text, message] of [
      ['unknown.json', '{"lockdown.ipv6": 1}', /'lockdown\.ipv6' is not a check id/],
      ['negative.json', '{"target-group.port": -1}', /'target-group\.port' must be a number ≥ 0/],
      ['text.json', '{"target-group.port": "2"}', /must be a number/],
      ['array.json', '[1]', /expected a JSON object/],
      ['broken.json', '{', /^--weights .*broken\.json: /],
    ] as const) {
      const err = (() => {
        try {
          loadWeights(file(name, text));
        } catch (e) {
          return e;
        }
      })();
      expect(err, name).toBeInstanceOf(WeightsError);
      expect((err as Error).message, name).toMatch(message);
      expect((err as Error).message).not.toContain('\n');
    }
    expect(() => loadWeights(join(dir, 'none.json'))).toThrow(/ENOENT/);
  });
});
