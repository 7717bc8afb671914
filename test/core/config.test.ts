import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, workshopNames } from '../../helpers/core/config.js';
import { profileFor } from '../../helpers/targets/index.js';

const fails = (env: Record<string, string>) => {
  try {
    parseConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message;
  }
  throw new Error(`parseConfig accepted ${JSON.stringify(env)}`);
};

describe('parseConfig', () => {
  it('defaults: sim, provision, nick, us-east-1, reports/', () => {
    const c = parseConfig({});
    expect(c).toMatchObject({ target: 'sim', mode: 'provision', nickname: 'nick', region: 'us-east-1', reportDir: 'reports', keep: false });
    expect(c.names).toEqual(workshopNames('nick'));
    expect(c.runId).toMatch(/^\d{8}-[0-9a-f]{6}$/);
  });

  it('GitHub Actions: only GITHUB_ACTIONS=true counts; the step summary file is passed on as given', () => {
    expect(parseConfig({})).toMatchObject({ githubActions: false, githubStepSummary: undefined });
    expect(parseConfig({ GITHUB_ACTIONS: 'false', GITHUB_STEP_SUMMARY: '' })).toMatchObject({ githubActions: false, githubStepSummary: undefined });
    expect(parseConfig({ GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: '/home/runner/_temp/step_summary' })).toMatchObject({
      githubActions: true,
      githubStepSummary: '/home/runner/_temp/step_summary',
    });
  });

  it('verify is the default on aws; AWS_REGION is used when E2E_REGION is absent', () => {
    expect(parseConfig({ E2E_TARGET: 'aws', AWS_REGION: 'eu-west-1' })).toMatchObject({ mode: 'verify', region: 'eu-west-1' });
  });

  it("the workshop's names: underscores for ECS, hyphens for ELB and the ALB's group", () => {
    expect(workshopNames('ann')).toEqual({
      cluster: 'ann_ecs_cluster',
      family: 'ann_app_service',
      oldService: 'ann_app_service',
      targetGroup: 'ann-ecs-tg',
      loadBalancer: 'ann-ecs-alb',
      albSecurityGroup: 'ann-ecs-alb-sg',
      service: 'ann-ecs-app-alb',
    });
  });

  it.each([
    [{ E2E_TARGET: 'gcp' }, 'E2E_TARGET'],
    [{ E2E_MODE: 'verfy' }, 'E2E_MODE'],
    [{ E2E_NICKNAME: 'ann_lee' }, 'E2E_NICKNAME'],
    [{ E2E_NICKNAME: '-ann' }, 'E2E_NICKNAME'],
    [{ E2E_NICKNAME: 'x'.repeat(21) }, 'E2E_NICKNAME'],
    [{ E2E_REGION: 'useast1' }, 'E2E_REGION'],
    [{ E2E_ENDPOINT: 'nope' }, 'E2E_ENDPOINT'],
    [{ E2E_ENDPOINT: 'ftp://127.0.0.1' }, 'E2E_ENDPOINT'],
    [{ E2E_TARGET: 'aws', E2E_ENDPOINT: 'http://127.0.0.1:4566' }, 'E2E_ENDPOINT'],
    [{ E2E_TARGET: 'aws', E2E_MODE: 'provision' }, 'E2E_MODE'],
    [{ E2E_KEEP: 'yes' }, 'E2E_KEEP'],
    [{ E2E_SIM_TIME_SCALE: '2' }, 'E2E_SIM_TIME_SCALE'],
    [{ E2E_NAME_LOAD_BALANCER: 'internal-x' }, 'E2E_NAME_LOAD_BALANCER'],
    [{ E2E_NAME_TARGET_GROUP: 'a'.repeat(33) }, 'E2E_NAME_TARGET_GROUP'],
    [{ E2E_ATTRIBUTION_PATTERN: '([' }, 'E2E_ATTRIBUTION_PATTERN'],
  ])('%j → one line naming %s', (env, variable) => {
    const message = fails(env as Record<string, string>);
    expect(message.startsWith(`${variable}: `)).toBe(true);
    expect(message).not.toContain('\n');
  });

  it('a nickname of 20 characters is the longest whose names stay valid ELB names', () => {
    const c = parseConfig({ E2E_NICKNAME: 'n'.repeat(20) });
    expect(c.names.service.length).toBeLessThanOrEqual(32);
  });
});

describe('target profiles', () => {
  it('sim: the ALB is reached through the gateway with the DNS name as Host; port 80 is implied', () => {
    const p = profileFor(parseConfig({ E2E_ENDPOINT: 'http://127.0.0.1:4566' }));
    expect(p.albAddress('a-1.us-east-1.elb.amazonaws.com', 80)).toEqual({ origin: 'http://127.0.0.1:4566', host: 'a-1.us-east-1.elb.amazonaws.com', pathPrefix: '' });
    expect(p.albAddress('a-1.us-east-1.elb.amazonaws.com', 8080).host).toBe('a-1.us-east-1.elb.amazonaws.com:8080');
    expect(p.capabilities).toEqual({});
    expect(p.timing.pollMs).toBeLessThanOrEqual(250);
  });

  it('localstack: says why it cannot prove SG enforcement and why health is judged by traffic', () => {
    const p = profileFor(parseConfig({ E2E_TARGET: 'localstack', E2E_ENDPOINT: 'http://127.0.0.1:4566' }));
    expect(p.capabilities.noSgEnforcement).toMatch(/does not enforce security groups/);
    expect(p.capabilities.unreliableHealth).toMatch(/traffic/);
    expect(p.capabilities.noContainerInstances).toMatch(/no container instances register/);
    expect(p.taskHost('10.0.0.1'), 'tasks are on the Docker host, not on an instance').toBe('127.0.0.1');
  });

  it('aws: the SDK endpoint and the default credential chain; the ALB by its own DNS name', () => {
    const p = profileFor(parseConfig({ E2E_TARGET: 'aws' }));
    expect(p.endpoint).toBeUndefined();
    expect(p.credentials).toBeUndefined();
    expect(p.albAddress('a-1.eu-west-1.elb.amazonaws.com', 80).origin).toBe('http://a-1.eu-west-1.elb.amazonaws.com:80');
  });

  it('sim and localstack need their endpoint', () => {
    expect(() => profileFor(parseConfig({}))).toThrow(/E2E_ENDPOINT/);
  });
});

describe('E2E_EGRESS_CANARY', () => {
  it('takes host:port, and names the variable when it is not', () => {
    expect(parseConfig({ E2E_EGRESS_CANARY: 'canary.example.org:40001' }).egressCanary).toBe('canary.example.org:40001');
    expect(parseConfig({ E2E_EGRESS_CANARY: '[::1]:40001' }).egressCanary).toBe('[::1]:40001');
    expect(parseConfig({}).egressCanary).toBeUndefined();
    for (const bad of ['canary.example.org', ':40001', 'host:0', 'host:70000', 'http://host:1']) {
      expect(() => parseConfig({ E2E_EGRESS_CANARY: bad })).toThrow(/^E2E_EGRESS_CANARY: /);
    }
  });
});
