/**
 * Bad input: one clear line on stderr naming what is wrong, exit code 2, and no AWS call —
 * checked on the simulator's own call log, not on what the suite says about itself.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../../sim/index.js';
import { runSuiteChild } from '../support/run-suite.js';
import { clearSimCalls, simCalls } from '../support/sim-admin.js';

let sim: RunningSim;
const NOT_A_DIR = join(mkdtempSync(join(tmpdir(), 'e2e-bad-')), 'a-file');
writeFileSync(NOT_A_DIR, 'not a directory');
beforeAll(async () => {
  sim = await startSim({ scenario: 'empty' });
});
afterAll(async () => sim?.close());

const NO_AWS_CREDENTIALS = {
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
  AWS_CONFIG_FILE: '/nonexistent/config',
  AWS_EC2_METADATA_DISABLED: 'true',
};
const UNSET_AWS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'];

interface Row {
  what: string;
  env?: Record<string, string>;
  args?: string[];
  /** The one line must contain these. */
  says: string[];
  /** Rows that must not see the running simulator's endpoint. */
  ownEndpoint?: boolean;
}

const rows: Row[] = [
  { what: 'unknown target', env: { E2E_TARGET: 'gcp' }, says: ['E2E_TARGET', 'gcp', 'sim, localstack, aws'] },
  { what: 'mode typo', env: { E2E_MODE: 'provison' }, says: ['E2E_MODE', 'provison', 'provision, verify'] },
  { what: 'nickname that makes an ELB name invalid', env: { E2E_NICKNAME: 'ann_lee' }, says: ['E2E_NICKNAME', 'ann_lee'] },
  { what: 'nickname too long for ELB names', env: { E2E_NICKNAME: 'a-very-long-nickname-indeed' }, says: ['E2E_NICKNAME', 'too long', '32'] },
  { what: 'malformed region', env: { E2E_REGION: 'us-east' }, says: ['E2E_REGION', 'us-east'] },
  { what: 'unreachable endpoint', env: { E2E_ENDPOINT: 'http://127.0.0.1:9' }, says: ['E2E_ENDPOINT', 'nothing answers', '127.0.0.1:9'], ownEndpoint: true },
  { what: 'endpoint that is not a URL', env: { E2E_ENDPOINT: 'localhost 4566' }, says: ['E2E_ENDPOINT', 'not a URL'], ownEndpoint: true },
  // a path under a regular file can never be a directory (Node 20 loops forever on mkdir -p under /proc)
  { what: 'report directory that cannot be written', env: { E2E_REPORT_DIR: `${NOT_A_DIR}/reports` }, says: ['E2E_REPORT_DIR', `${NOT_A_DIR}/reports`, 'ENOTDIR'] },
  { what: 'missing credentials for aws', env: { E2E_TARGET: 'aws', ...NO_AWS_CREDENTIALS }, says: ['E2E_TARGET=aws', 'credentials'], ownEndpoint: true },
  { what: 'provision on aws without permission', env: { E2E_TARGET: 'aws', E2E_MODE: 'provision' }, says: ['E2E_ALLOW_PROVISION=1'], ownEndpoint: true },
  { what: 'E2E_KEEP not a flag', env: { E2E_KEEP: 'yes' }, says: ['E2E_KEEP', 'yes', '1 or 0'] },
  { what: 'time scale out of range', env: { E2E_SIM_TIME_SCALE: '0' }, says: ['E2E_SIM_TIME_SCALE'] },
  { what: 'invalid target-group name override', env: { E2E_NAME_TARGET_GROUP: 'my_tg' }, says: ['E2E_NAME_TARGET_GROUP', 'my_tg'] },
  { what: 'localstack without token or Docker', env: { E2E_TARGET: 'localstack', LOCALSTACK_AUTH_TOKEN: '', DOCKER_HOST: 'unix:///nonexistent.sock' }, says: ['E2E_TARGET=localstack', 'LOCALSTACK_AUTH_TOKEN', 'E2E_TARGET=sim needs neither'], ownEndpoint: true },
  { what: 'unknown CLI flag', args: ['--bogus'], says: ['--bogus'] },
  { what: 'CLI flag with a bad value', args: ['--target', 'azure'], says: ['E2E_TARGET', 'azure'] },
];

describe('bad input: exit 2, one line, no AWS call', () => {
  it.each(rows)('$what', async (row) => {
    await clearSimCalls(sim.endpoint);
    const env = { ...(row.ownEndpoint ? {} : { E2E_ENDPOINT: sim.endpoint }), ...row.env };
    const run = await runSuiteChild(env, { args: row.args, unset: row.env?.E2E_TARGET === 'aws' ? UNSET_AWS : [] });
    const lines = run.stderr.split('\n').filter((l) => l.trim() !== '');
    expect(run.exitCode, `exit code; stderr: ${run.stderr}`).toBe(2);
    expect(lines, 'exactly one line on stderr').toHaveLength(1);
    for (const word of row.says) expect(lines[0], `the line names ${word}`).toContain(word);
    expect(run.stdout.trim(), 'nothing on stdout').toBe('');
    expect(await simCalls(sim.endpoint), 'AWS API calls the simulator saw').toEqual([]);
    expect(run.report, 'no report for a run that never started').toBeUndefined();
  });
});
