/**
 * Configuration from E2E_* variables (the CLI maps its flags onto the same names).
 * Every value is checked before anything touches a cloud; a bad one is one line naming the
 * variable and what is allowed, and exit code 2.
 */
import { randomBytes } from 'node:crypto';
import { workshopNames, type Names } from '../../fixtures/module04.js';

export { workshopNames, type Names };

export type TargetName = 'sim' | 'localstack' | 'aws';
export type Mode = 'provision' | 'verify';

export interface Config {
  target: TargetName;
  mode: Mode;
  endpoint?: string;
  nickname: string;
  region: string;
  reportDir: string;
  /** E2E_KEEP=1: leave what the run created. */
  keep: boolean;
  /** E2E_ALLOW_PROVISION=1: needed to provision on real AWS. */
  allowProvision: boolean;
  /** Tag value e2e:run=<runId> on everything this run creates. */
  runId: string;
  /** The names the workshop suggests, each overridable (E2E_NAME_*). */
  names: Names;
  /** Time scale for the embedded simulator (E2E_SIM_TIME_SCALE). */
  simTimeScale: number;
  /** Extra attribution pattern (E2E_ATTRIBUTION_PATTERN), a regex whose group 1 is the container id. */
  attributionPattern?: string;
  /** E2E_BAIL=1: stop at the first failing check (teardown still runs). */
  bail: boolean;
  /** LOCALSTACK_AUTH_TOKEN, for starting LocalStack (ECS and ELBv2 are in its paid tier). */
  localstackAuthToken?: string;
  /** Baseline stack parameters on LocalStack/AWS (E2E_APP_IMAGE, E2E_AMI_PARAMETER). */
  appImage?: string;
  amiParameter?: string;
  /** Test seam of the teardown proof: a provision run that fails at this spec (E2E_TEST_FAIL_AT). */
  testFailAt?: string;
  /** Test seams of the grading isolation proof: the run's worker blocks for good (E2E_TEST_HANG_AT) or dies (E2E_TEST_CRASH_AT) at this spec. */
  testHangAt?: string;
  testCrashAt?: string;
  /**
   * E2E_EGRESS_CANARY=host:port: a listener outside the checked account that this runner should
   * reach on a high port — the positive control of "a task gives no answer" in verify mode. The
   * simulator offers one of its own.
   */
  egressCanary?: string;
  /** E2E_SIM_REALISM=aws: the in-process simulator plays AWS at its hardest (README, "--realism aws"). */
  simRealism: 'off' | 'aws';
  /**
   * Target aws, set by the grader for one participant (their assumed role's temporary credentials,
   * or their profile): several participants' runs share the grading process, so their access
   * travels with the run's configuration to the SDK clients, never through the environment.
   * Undefined: the default credential chain (no variable is read for these).
   */
  awsCredentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  awsProfile?: string;
  /** GITHUB_ACTIONS=true: the run is a GitHub Actions step (its report goes to the step summary, failures to annotations). */
  githubActions: boolean;
  /** GITHUB_STEP_SUMMARY: the file GitHub Actions shows as the step's summary (Markdown, appended to). */
  githubStepSummary?: string;
}

/**
 * The only per-target facts below the targets layer: what must be known to validate the
 * configuration before any target module is loaded.
 */
const TARGET_RULES: Record<TargetName, { defaultMode: Mode; endpoint: 'optional' | 'refused'; provisionNeedsPermission: boolean }> = {
  sim: { defaultMode: 'provision', endpoint: 'optional', provisionNeedsPermission: false },
  localstack: { defaultMode: 'provision', endpoint: 'optional', provisionNeedsPermission: false },
  aws: { defaultMode: 'verify', endpoint: 'refused', provisionNeedsPermission: true },
};

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

const MODES: Mode[] = ['provision', 'verify'];
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
// ELB names: letters, digits, hyphens, ≤ 32 chars; the longest derived one is `<nick>-ecs-alb-sg`
// (a security-group name, but it is also what we tag the ALB with) and `<nick>-ecs-app-alb`.
const NICKNAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;
const LONGEST_SUFFIX = '-ecs-app-alb'.length;
const ELB_NAME_MAX = 32;

type Env = Record<string, string | undefined>;

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `'${raw}' is not allowed; use one of ${allowed.join(', ')}`);
  }
  return raw as T;
}

function flag(env: Env, name: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '' || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  throw new ConfigError(name, `'${raw}' is not allowed; use 1 or 0`);
}

function elbName(variable: string, value: string): string {
  if (value.length > ELB_NAME_MAX) {
    throw new ConfigError(variable, `'${value}' is ${value.length} characters; ELB names allow at most ${ELB_NAME_MAX}`);
  }
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/.test(value) || value.startsWith('internal-')) {
    throw new ConfigError(variable, `'${value}' is not a valid ELB name; use letters, digits and hyphens, not at the start or end`);
  }
  return value;
}

function hostPort(variable: string, raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(raw);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new ConfigError(variable, `'${raw}' is not host:port (e.g. canary.example.org:40001)`);
  return raw;
}

export function parseConfig(env: Env = process.env): Config {
  const target = oneOf(env, 'E2E_TARGET', Object.keys(TARGET_RULES) as TargetName[], 'sim');
  const rules = TARGET_RULES[target];
  const mode = oneOf(env, 'E2E_MODE', MODES, rules.defaultMode);

  const nickname = env.E2E_NICKNAME || 'nick';
  if (!NICKNAME.test(nickname)) {
    throw new ConfigError('E2E_NICKNAME', `'${nickname}' is not allowed; use letters, digits and inner hyphens (names like ${nickname}-ecs-alb must be valid ELB names)`);
  }
  if (nickname.length + LONGEST_SUFFIX > ELB_NAME_MAX) {
    throw new ConfigError('E2E_NICKNAME', `'${nickname}' is too long: ${nickname}-ecs-app-alb would exceed ${ELB_NAME_MAX} characters; use at most ${ELB_NAME_MAX - LONGEST_SUFFIX}`);
  }

  const region = env.E2E_REGION || env.AWS_REGION || 'us-east-1';
  if (!REGION.test(region)) {
    throw new ConfigError(env.E2E_REGION ? 'E2E_REGION' : 'AWS_REGION', `'${region}' is not a region name like us-east-1`);
  }

  let endpoint: string | undefined;
  if (env.E2E_ENDPOINT) {
    let url: URL;
    try {
      url = new URL(env.E2E_ENDPOINT);
    } catch {
      throw new ConfigError('E2E_ENDPOINT', `'${env.E2E_ENDPOINT}' is not a URL like http://127.0.0.1:4566`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ConfigError('E2E_ENDPOINT', `'${env.E2E_ENDPOINT}' must be http:// or https://`);
    }
    if (rules.endpoint === 'refused') throw new ConfigError('E2E_ENDPOINT', `is not used with E2E_TARGET=${target}; unset it or pick sim or localstack`);
    endpoint = url.origin;
  }

  const allowProvision = flag(env, 'E2E_ALLOW_PROVISION');
  if (rules.provisionNeedsPermission && mode === 'provision' && !allowProvision) {
    throw new ConfigError('E2E_MODE', `provision on E2E_TARGET=${target} creates billable resources; set E2E_ALLOW_PROVISION=1 to allow it`);
  }

  const scaleRaw = env.E2E_SIM_TIME_SCALE;
  const simTimeScale = scaleRaw ? Number(scaleRaw) : 0.05;
  if (!Number.isFinite(simTimeScale) || simTimeScale <= 0 || simTimeScale > 1) {
    throw new ConfigError('E2E_SIM_TIME_SCALE', `'${scaleRaw}' is not allowed; use a number in (0, 1]`);
  }

  const runId = env.E2E_RUN_ID || `${new Date().toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(3).toString('hex')}`;
  if (!/^[A-Za-z0-9-]{1,64}$/.test(runId)) throw new ConfigError('E2E_RUN_ID', `'${runId}' is not allowed; use letters, digits and hyphens`);

  if (env.E2E_ATTRIBUTION_PATTERN) {
    try {
      new RegExp(env.E2E_ATTRIBUTION_PATTERN);
    } catch {
      throw new ConfigError('E2E_ATTRIBUTION_PATTERN', `'${env.E2E_ATTRIBUTION_PATTERN}' is not a valid regular expression`);
    }
  }

  const defaults = workshopNames(nickname);
  const names: Names = {
    cluster: env.E2E_NAME_CLUSTER || defaults.cluster,
    family: env.E2E_NAME_FAMILY || defaults.family,
    oldService: env.E2E_NAME_OLD_SERVICE || defaults.oldService,
    targetGroup: elbName('E2E_NAME_TARGET_GROUP', env.E2E_NAME_TARGET_GROUP || defaults.targetGroup),
    loadBalancer: elbName('E2E_NAME_LOAD_BALANCER', env.E2E_NAME_LOAD_BALANCER || defaults.loadBalancer),
    albSecurityGroup: env.E2E_NAME_ALB_SECURITY_GROUP || defaults.albSecurityGroup,
    service: env.E2E_NAME_SERVICE || defaults.service,
  };

  return {
    target,
    mode,
    endpoint,
    nickname,
    region,
    reportDir: env.E2E_REPORT_DIR || 'reports',
    keep: flag(env, 'E2E_KEEP'),
    allowProvision,
    runId,
    names,
    simTimeScale,
    attributionPattern: env.E2E_ATTRIBUTION_PATTERN || undefined,
    bail: flag(env, 'E2E_BAIL'),
    localstackAuthToken: env.LOCALSTACK_AUTH_TOKEN || undefined,
    appImage: env.E2E_APP_IMAGE || undefined,
    amiParameter: env.E2E_AMI_PARAMETER || undefined,
    testFailAt: env.E2E_TEST_FAIL_AT || undefined,
    testHangAt: env.E2E_TEST_HANG_AT || undefined,
    testCrashAt: env.E2E_TEST_CRASH_AT || undefined,
    egressCanary: hostPort('E2E_EGRESS_CANARY', env.E2E_EGRESS_CANARY),
    simRealism: oneOf(env, 'E2E_SIM_REALISM', ['off', 'aws'] as const, 'off'),
    // GitHub sets these on its runners; a value other than 'true' is not GitHub Actions
    githubActions: env.GITHUB_ACTIONS === 'true',
    githubStepSummary: env.GITHUB_STEP_SUMMARY || undefined,
  };
}
