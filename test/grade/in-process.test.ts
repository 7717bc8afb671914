/**
 * Participants graded in one process share it: each one's access (an assumed role's temporary
 * credentials, a profile) must reach only that run's SDK clients, through the run's
 * configuration, and never the process environment. The host is faked here; the real one runs in
 * test/suite/grade-isolation.test.ts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STSClient } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it } from 'vitest';
import { inProcessRunner } from '../../helpers/grade/in-process.js';
import { grade, type ChildRun } from '../../helpers/grade/runner.js';
import { sdkConfig } from '../../helpers/cloud/clients.js';
import { preflight } from '../../helpers/run/run-suite.js';
import type { HostedRun } from '../../helpers/run/suite-host.js';
import { profileFor } from '../../helpers/targets/index.js';

const ASSUMED = { accessKeyId: 'ASIAPARTICIPANTANN01', secretAccessKey: 'ann-secret-0123456789', sessionToken: 'ann-token-abcdef' };
const saved = { ...process.env };
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
});

describe('grading in one process: a participant\'s access goes through the run\'s configuration', () => {
  it('the grader hands each run its own access as values: role → credentials, profile → profile, neither → none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'grade-access-'));
    const roster = join(dir, 'roster.csv');
    writeFileSync(roster, 'nickname,region,role_arn,external_id,profile\nann,us-east-1,arn:aws:iam::111111111111:role/grader,ext-ann,\nbob,us-east-1,,,bob-profile\ncyd,us-east-1,,,\n');
    const runs: ChildRun[] = [];
    const lines: string[] = [];
    await grade(
      { roster, out: join(dir, 'out'), target: 'aws', concurrency: 2, timeoutMs: 60_000, weights: {} },
      { assumeRole: async () => ASSUMED, runChild: async (r) => (runs.push(r), { exitCode: 1, timedOut: false }), log: (l) => lines.push(l), env: { PATH: '/bin' } },
    );
    const access = (nick: string) => runs.find((r) => r.env.E2E_NICKNAME === nick)?.access;
    expect(runs.map((r) => r.env.E2E_NICKNAME).sort(), lines.join('\n')).toEqual(['ann', 'bob', 'cyd']);
    expect(access('ann')).toEqual({ credentials: ASSUMED });
    expect(access('bob')).toEqual({ profile: 'bob-profile' });
    expect(access('cyd')).toBeUndefined();
  });

  it('the in-process runner puts them into the run request, not into process.env', async () => {
    const seen: HostedRun[] = [];
    const host = { run: async (r: HostedRun) => (seen.push(r), { exitCode: 0, timedOut: false, interrupted: false }) };
    const dir = mkdtempSync(join(tmpdir(), 'grade-access-'));
    const before = { ...process.env };
    const run = inProcessRunner(host);
    await run({ env: { E2E_TARGET: 'aws', E2E_NICKNAME: 'ann' }, access: { credentials: ASSUMED }, logFile: join(dir, 'a.log'), timeoutMs: 1000 });
    await run({ env: { E2E_TARGET: 'aws', E2E_NICKNAME: 'bob' }, access: { profile: 'bob-profile' }, logFile: join(dir, 'b.log'), timeoutMs: 1000 });
    expect(seen.map((r) => r.access)).toEqual([{ awsCredentials: ASSUMED }, { awsProfile: 'bob-profile' }]);
    expect(process.env).toEqual(before);
  });

  it('assumed credentials become the clients\' static credentials; a profile wins over keys in the environment', async () => {
    // the grader's own keys in the environment, and a shared credentials file holding bob's profile
    process.env.AWS_ACCESS_KEY_ID = 'AKIAGRADEROWN000001';
    process.env.AWS_SECRET_ACCESS_KEY = 'grader-own-secret';
    const dir = mkdtempSync(join(tmpdir(), 'grade-profile-'));
    writeFileSync(join(dir, 'credentials'), '[bob-profile]\naws_access_key_id = AKIABOBPROFILE00001\naws_secret_access_key = bob-secret\n');
    writeFileSync(join(dir, 'config'), '');
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
    process.env.AWS_CONFIG_FILE = join(dir, 'config');
    const env = { E2E_TARGET: 'aws', E2E_NICKNAME: 'ann', E2E_REGION: 'eu-west-1', E2E_REPORT_DIR: dir };

    const ann = await preflight(env, { awsCredentials: ASSUMED });
    expect(ann.awsCredentials).toEqual(ASSUMED);
    const annSts = new STSClient(sdkConfig(profileFor(ann)));
    expect(await annSts.config.credentials()).toMatchObject(ASSUMED);

    const bob = await preflight(env, { awsProfile: 'bob-profile' });
    const bobSts = new STSClient(sdkConfig(profileFor(bob)));
    expect(await bobSts.config.credentials()).toMatchObject({ accessKeyId: 'AKIABOBPROFILE00001', secretAccessKey: 'bob-secret' });

    // neither: the default chain, the grader's own keys
    const cyd = await preflight(env);
    const cydSts = new STSClient(sdkConfig(profileFor(cyd)));
    expect(await cydSts.config.credentials()).toMatchObject({ accessKeyId: 'AKIAGRADEROWN000001' });
    for (const c of [annSts, bobSts, cydSts]) c.destroy();
    // a profile that does not exist is bad input before any call, naming it
    await expect(preflight(env, { awsProfile: 'nobody' })).rejects.toThrow(/no AWS credentials.*nobody/);
  });
});
