import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorAnnotation, escapeData, escapeProperty, failureAnnotations, publishToGitHub } from '../../helpers/report/github.js';
import type { Report } from '../../helpers/report/report.js';

const report: Report = {
  target: 'sim',
  mode: 'verify',
  nickname: 'nick',
  region: 'us-east-1',
  startedAt: '2026-12-01T00:00:00.000Z',
  durationMs: 1200,
  checks: [
    { id: 'preflight.cluster', spec: '00-preflight', title: 'the cluster', status: 'passed' },
    { id: 'target-group.found', spec: '01-target-group', title: 'it exists', status: 'failed', reason: 'Could not find target group nick-ecs-tg\n100% sure' },
    { id: 'target-group.port', spec: '01-target-group', title: 'port 8080', status: 'skipped', reason: 'depends on target-group.found' },
    { id: 'service.found', spec: '03-service', title: 'it exists', status: 'failed' },
  ],
  apiCalls: [],
};

function collect(stepSummary?: string) {
  const commands: string[] = [];
  const warnings: string[] = [];
  return { commands, warnings, out: { stepSummary, writeCommand: (l: string) => commands.push(l), warn: (l: string) => warnings.push(l) } };
}

describe('workflow command escaping (as @actions/core does it)', () => {
  it('escapes %, CR and LF in a message, % first so nothing is escaped twice', () => {
    expect(escapeData('50%\r\nnext')).toBe('50%25%0D%0Anext');
    expect(escapeData('%0A')).toBe('%250A');
  });

  it('escapes : and , as well in a property value', () => {
    expect(escapeProperty('a:b,c%\n')).toBe('a%3Ab%2Cc%25%0A');
  });

  it('keeps a multi-line failure on one command line', () => {
    const line = errorAnnotation('target-group.found', 'line one\nline two');
    expect(line).toBe('::error title=target-group.found::line one%0Aline two');
    expect(line.split('\n')).toHaveLength(1);
  });
});

describe('failureAnnotations', () => {
  it('gives one error per failed check, titled with its id, carrying its message', () => {
    expect(failureAnnotations(report)).toEqual([
      '::error title=target-group.found::Could not find target group nick-ecs-tg%0A100%25 sure',
      '::error title=service.found::it exists: failed',
    ]);
  });
});

describe('publishToGitHub', () => {
  it('appends the Markdown report to the step summary (earlier steps keep theirs) and prints the annotations', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'gh-summary-')), 'summary.md');
    writeFileSync(file, '# an earlier step\n');
    const { commands, warnings, out } = collect(file);
    publishToGitHub(report, out);
    const summary = readFileSync(file, 'utf8');
    expect(summary.startsWith('# an earlier step\n')).toBe(true);
    expect(summary).toContain('# ecs-alb-e2e — nick on sim (verify)');
    expect(summary).toContain('| ❌ | `target-group.found` |');
    expect(commands).toHaveLength(2);
    expect(warnings).toEqual([]);
  });

  it('still annotates when the summary cannot be written, and says why', () => {
    const { commands, warnings, out } = collect(join(tmpdir(), 'no-such-dir-for-gh', 'summary.md'));
    publishToGitHub(report, out);
    expect(commands).toHaveLength(2);
    expect(warnings[0]).toMatch(/^GITHUB_STEP_SUMMARY: could not append the report to .*summary\.md \(ENOENT\)$/);
  });

  it('annotates a run that produced no report', () => {
    const { commands, out } = collect();
    publishToGitHub(undefined, out);
    expect(commands).toEqual(['::error title=ecs-alb-e2e::the run produced no report; see the step log']);
  });
});
