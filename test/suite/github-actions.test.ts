/**
 * A run as a GitHub Actions step: with GITHUB_ACTIONS=true and a file as GITHUB_STEP_SUMMARY,
 * a run with a failing check appends its Markdown report there and prints one `::error`
 * annotation per failed check on its standard output (where the runner reads commands).
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { escapeData } from '../../helpers/report/github.js';
import { runSuiteChild } from '../support/run-suite.js';

describe('under GitHub Actions', () => {
  it('a failing check: the report in the step summary, an ::error annotation titled with its id', async () => {
    const summary = join(mkdtempSync(join(tmpdir(), 'gh-step-')), 'step_summary.md');
    writeFileSync(summary, '');
    // verify mode on the embedded simulator's module 01–03 state: nothing of Module 04 is built,
    // and the name points at a target group that exists nowhere
    const run = await runSuiteChild({
      E2E_MODE: 'verify',
      E2E_NAME_TARGET_GROUP: 'no-such-tg',
      GITHUB_ACTIONS: 'true',
      GITHUB_STEP_SUMMARY: summary,
    });
    expect(run.exitCode, run.stderr.slice(-400)).toBe(1);
    expect(run.status('target-group.found')).toBe('failed');
    expect(run.reason('target-group.found')).toContain('no-such-tg');

    const markdown = readFileSync(summary, 'utf8');
    expect(markdown).toContain('# ecs-alb-e2e — nick on sim (verify)');
    expect(markdown).toMatch(/\| ❌ \| `target-group\.found` \| 01-target-group \|/);
    expect(markdown).toBe(readFileSync(join(run.reportDir, 'report.md'), 'utf8') + '\n');

    const annotations = run.stdout.split('\n').filter((line) => line.startsWith('::error'));
    const failed = run.report!.checks.filter((c) => c.status === 'failed');
    expect(annotations).toHaveLength(failed.length);
    expect(annotations).toContain(`::error title=target-group.found::${escapeData(run.reason('target-group.found'))}`);
  });

  it('outside GitHub Actions: no annotations, and no summary is written', async () => {
    const summary = join(mkdtempSync(join(tmpdir(), 'gh-step-')), 'step_summary.md');
    writeFileSync(summary, '');
    const run = await runSuiteChild({ E2E_MODE: 'verify', E2E_NAME_TARGET_GROUP: 'no-such-tg', GITHUB_STEP_SUMMARY: summary });
    expect(run.exitCode, run.stderr.slice(-400)).toBe(1);
    expect(run.stdout).not.toMatch(/^::error/m);
    expect(readFileSync(summary, 'utf8')).toBe('');
  });
});
