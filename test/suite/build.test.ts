/**
 * The build (scripts/build.js, npm's `prepare`) is what the package ships and `ecs-alb-e2e run`
 * runs: every source module has its JavaScript, the bin picks the build while it is current, and
 * a run from it — the specs imported natively by the worker — passes every check.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseEnv } from '../support/run-suite.js';

const root = resolve(import.meta.dirname, '..', '..');
const walk = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));

describe('the build', () => {
  it('has a module for every source, and a run from it passes', () => {
    execFileSync(process.execPath, ['scripts/build.js', '--quiet'], { cwd: root });
    const sources = ['cli', 'helpers', 'sim', 'specs', 'fixtures']
      .flatMap((d) => walk(join(root, d)))
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
    const missing = sources.map((f) => relative(root, f).replace(/\.ts$/, '.js')).filter((f) => !existsSync(join(root, 'dist', f)));
    expect(missing, 'sources without a module in dist/').toEqual([]);
    expect(existsSync(join(root, 'dist', 'fixtures', 'weights.json')), 'fixtures/*.json copied').toBe(true);

    const reportDir = mkdtempSync(join(tmpdir(), 'e2e-build-'));
    const run = spawnSync(process.execPath, ['bin/ecs-alb-e2e.js', 'run'], {
      cwd: root,
      env: { ...baseEnv(), E2E_REPORT_DIR: reportDir },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.status, `${run.stdout}\n${run.stderr}`.slice(-3000)).toBe(0);
    // vitest's root is dist/ and nothing was transformed: the bin ran the build, not the sources
    // eslint-disable-next-line no-control-regex -- vitest colours its output whatever FORCE_COLOR says
    const out = run.stdout.replace(/\x1b\[[0-9;]*m/g, '');
    expect(out).toMatch(/RUN\s+v\S+\s+\S*\/dist\b/);
    expect(out).toMatch(/transform 0ms/);
    const report = JSON.parse(readFileSync(join(reportDir, 'report.json'), 'utf8')) as { checks: { status: string }[] };
    expect(report.checks.filter((c) => c.status !== 'passed')).toEqual([]);
    expect(report.checks).toHaveLength(40);
  }, 180_000);
});
