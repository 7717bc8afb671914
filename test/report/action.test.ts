/**
 * action.yml — the composite action another repository runs the suite with
 * (`uses: <this repo>@<ref>`). It only ever runs on GitHub, so it is checked here for what it
 * must say: its inputs, how they reach the run, and what it runs.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { parseConfig } from '../../helpers/core/config.js';

const root = new URL('../../', import.meta.url);
const text = (path: string) => readFileSync(new URL(path, root), 'utf8');
type Obj = { [key: string]: any };

const action = parseYaml(text('action.yml')) as Obj;
const steps = action.runs.steps as Obj[];
const runStep = steps.find((s) => String(s.run ?? '').includes('ecs-alb-e2e.js'))!;

// each input and the variable the CLI reads it from (README, "Configuration")
const INPUT_VARIABLES = {
  target: 'E2E_TARGET',
  mode: 'E2E_MODE',
  nickname: 'E2E_NICKNAME',
  region: 'E2E_REGION',
  endpoint: 'E2E_ENDPOINT',
  'egress-canary': 'E2E_EGRESS_CANARY',
  'report-dir': 'E2E_REPORT_DIR',
};

describe('action.yml', () => {
  it('is a composite action with a name and a description', () => {
    expect(action.runs.using).toBe('composite');
    expect(action.name).toBe('ecs-alb-e2e');
    expect(String(action.description)).toMatch(/Application Load Balancer/);
  });

  it('takes target, mode, nickname, region, and optionally endpoint and egress-canary; none is required', () => {
    expect(Object.keys(action.inputs).sort()).toEqual(Object.keys(INPUT_VARIABLES).sort());
    for (const [name, input] of Object.entries(action.inputs as Obj)) {
      expect(input.required, name).toBe(false);
      expect(String(input.description), name).not.toBe('');
    }
    expect(action.inputs['report-dir'].default).toBe('reports');
  });

  it('hands every input to the run as its E2E_* variable', () => {
    expect(runStep.env).toEqual(Object.fromEntries(Object.entries(INPUT_VARIABLES).map(([input, variable]) => [variable, `\${{ inputs.${input} }}`])));
  });

  it('an input left empty means the CLI default', () => {
    const empty = Object.fromEntries(Object.values(INPUT_VARIABLES).map((v) => [v, '']));
    const { runId: _a, ...fromEmpty } = parseConfig({ ...empty, E2E_REPORT_DIR: 'reports' });
    const { runId: _b, ...fromNothing } = parseConfig({});
    expect(fromEmpty).toEqual(fromNothing);
    expect(parseConfig({ ...empty, E2E_TARGET: 'aws' }).mode).toBe('verify');
  });

  it('never splices an input into a script (a value is data, not shell)', () => {
    for (const step of steps) expect(String(step.run ?? ''), step.name).not.toMatch(/\$\{\{\s*inputs\./);
  });

  it('installs the runtime dependencies from the lock file in the action, then runs the package bin', () => {
    const install = steps.findIndex((s) => s.run === 'npm ci --omit=dev --no-audit --no-fund');
    expect(install).toBeGreaterThanOrEqual(0);
    expect(steps[install]!['working-directory']).toBe('${{ github.action_path }}');
    expect(steps.indexOf(runStep)).toBeGreaterThan(install);
    expect(runStep.run).toBe('node "$GITHUB_ACTION_PATH/bin/ecs-alb-e2e.js" run');
    const pkg = JSON.parse(text('package.json')) as { bin: Record<string, string> };
    expect(pkg.bin['ecs-alb-e2e']).toBe('bin/ecs-alb-e2e.js');
    expect(existsSync(new URL('bin/ecs-alb-e2e.js', root))).toBe(true);
    expect(existsSync(new URL('package-lock.json', root))).toBe(true);
    for (const step of steps) expect(step.shell, step.name).toBe('bash');
  });
});
