/**
 * The package as a user meets it: `npm pack`, `npm install <tarball>` into an empty project
 * without dev dependencies, and `npx ecs-alb-e2e …` there — run on the embedded simulator, and
 * sim, check, grade and sweep from the installed package. These are the README's commands for an
 * installed package ("Check your own work"); the install comes from npm's cache where it can.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../helpers/report/report.js';
import { baseEnv } from '../support/run-suite.js';

const root = resolve(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'e2e-package-'));
const project = join(work, 'project');
const npmEnv = { ...baseEnv(), npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };

interface Ran {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** A command in the user's project, as they would type it; a failure shows what it printed. */
function inProject(command: string, args: string[], timeoutMs = 120_000): Promise<Ran> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: project, env: npmEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', fail);
    child.once('close', (exitCode) => {
      clearTimeout(timer);
      done({ exitCode, stdout, stderr });
    });
  });
}

const npx = (...args: string[]) => inProject('npx', ['ecs-alb-e2e', ...args]);
const shown = (r: Ran) => `exit ${r.exitCode}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

let tarballFiles: string[] = [];
let sim: ChildProcess | undefined;
let endpoint = '';

beforeAll(() => {
  const packed = spawnSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: root, env: npmEnv, encoding: 'utf8' });
  if (packed.status !== 0) throw new Error(`npm pack exited ${packed.status}: ${packed.stderr}`);
  const [info] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
  tarballFiles = info.files.map((f) => f.path);
  spawnSync('mkdir', [project]);
  writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'try-ecs-alb-e2e', private: true }, null, 2)}\n`);
  const installed = spawnSync('npm', ['install', join(work, info.filename), '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: project, env: npmEnv, encoding: 'utf8' });
  if (installed.status !== 0) throw new Error(`npm install of the tarball exited ${installed.status}: ${installed.stderr}`);
}, 240_000);

afterAll(() => {
  sim?.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
});

describe('the package, installed from its tarball into an empty project', () => {
  it('holds the product only: the CLI, specs, fixtures, simulator and configs — no tests, benchmarks or CI', () => {
    for (const wanted of ['package.json', 'README.md', 'LICENSE', 'bin/ecs-alb-e2e.js', 'cli/main.ts', 'specs/00-preflight.spec.ts', 'fixtures/module04.ts', 'sim/index.ts', 'vitest.e2e.config.ts']) {
      expect(tarballFiles, `the tarball should hold ${wanted}`).toContain(wanted);
    }
    const stray = tarballFiles.filter((f) => /^(test|bench|\.ci|reports|node_modules)\//.test(f) || f === 'vitest.config.ts' || f === 'docker-compose.yml');
    expect(stray, 'files in the tarball that are not the product').toEqual([]);
  });

  it('carries what a published package needs, and installs without dev dependencies', () => {
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules', 'ecs-alb-e2e', 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({ license: 'MIT', engines: { node: expect.any(String) }, bin: { 'ecs-alb-e2e': expect.any(String) } });
    expect(manifest.repository).toBeTruthy();
    expect((manifest.keywords as string[]).length).toBeGreaterThan(0);
    // vitest runs the specs: it is the product's dependency; a dev-only tool must not be installed
    expect(existsSync(join(project, 'node_modules', 'vitest', 'package.json')), 'vitest installed as a dependency').toBe(true);
    expect(existsSync(join(project, 'node_modules', 'typescript')), 'typescript (a dev dependency) installed').toBe(false);
  });

  it('`npx ecs-alb-e2e run` passes on the embedded simulator and writes ./reports of the folder it runs in', async () => {
    const run = await npx('run');
    expect(run.exitCode, shown(run)).toBe(0);
    const report = JSON.parse(readFileSync(join(project, 'reports', 'report.json'), 'utf8')) as Report;
    const notPassed = report.checks.filter((c) => c.status !== 'passed').map((c) => `${c.id}: ${c.status} ${c.reason ?? ''}`);
    expect(notPassed, 'checks of the installed run that did not pass').toEqual([]);
    expect(report.checks.length).toBe(40);
    for (const f of ['report.md', 'report.html', 'junit.xml']) expect(existsSync(join(project, 'reports', f)), `reports/${f}`).toBe(true);
  }, 180_000);

  it('bad input is one line and exit code 2; --help states the exit codes', async () => {
    const bad = await npx('run', '--mode', 'provison');
    expect(bad.exitCode, shown(bad)).toBe(2);
    expect(bad.stderr.trim().split('\n'), shown(bad)).toHaveLength(1);
    const help = await npx('--help');
    expect(help.exitCode, shown(help)).toBe(0);
    expect(help.stdout).toMatch(/130\s+interrupted/);
  }, 60_000);

  it('sim, check, grade and sweep work from the installed package', async () => {
    sim = spawn('npx', ['ecs-alb-e2e', 'sim', '--port', '0'], { cwd: project, env: npmEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    endpoint = await new Promise<string>((done, fail) => {
      let out = '';
      const timer = setTimeout(() => fail(new Error(`the installed sim printed no ready line in 30 s: ${out}`)), 30_000);
      sim!.stdout!.on('data', (d: Buffer) => {
        out += d;
        const ready = /^ready (\S+)/m.exec(out);
        if (ready) {
          clearTimeout(timer);
          done(ready[1]!);
        }
      });
    });
    // the participant's self-check on a baseline account: step 01 is not done yet
    const check = await npx('check', '--target', 'sim', '--endpoint', endpoint, '--nickname', 'nick');
    expect(check.exitCode, shown(check)).toBe(1);
    expect(check.stdout, shown(check)).toMatch(/not yet\s+01-target-group/);
    writeFileSync(join(project, 'roster.csv'), 'nickname,region\nnick,us-east-1\n');
    const graded = await npx('grade', '--roster', 'roster.csv', '--out', 'grades', '--target', 'sim', '--endpoint', endpoint, '--concurrency', '1');
    expect(graded.exitCode, shown(graded)).toBe(0); // 0: every row graded (a baseline earns few points)
    const summary = readFileSync(join(project, 'grades', 'summary.csv'), 'utf8');
    const [header, row] = summary.split('\n').map((line) => line.split(','));
    expect(row![header!.indexOf('nickname')], summary).toBe('nick');
    expect(row![header!.indexOf('state')], summary).toBe('graded');
    const swept = await npx('sweep', '--target', 'sim', '--endpoint', endpoint, '--run-id', 'nothing-made-this');
    expect(swept.exitCode, shown(swept)).toBe(0);
  }, 180_000);
});
