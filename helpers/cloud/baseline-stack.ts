/**
 * The modules 01–03 end state for provision mode on LocalStack and real AWS: one
 * CloudFormation stack from fixtures/baseline.cfn.json, tagged e2e:run=<runId>, created (or
 * reused) before the specs and deleted on teardown. Called only by the provisioning code; the
 * client is injected so tests can drive it with a fake.
 */
import { readFileSync } from 'node:fs';
import { waitFor, WaitTimeout } from '../core/waits.js';
import { throttled } from './errors.js';
import { RUN_TAG } from './tags.js';
import {
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  type Parameter,
  type Stack,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';

type BaselineCommand = CreateStackCommand | DeleteStackCommand | DescribeStacksCommand | DescribeStackEventsCommand;

/** The part of a CloudFormationClient this module uses. */
export interface CloudFormationSender {
  send(command: BaselineCommand): Promise<unknown>;
}

export interface BaselineParams {
  nickname: string;
  runId: string;
  /** The app image; undefined keeps the template's default (fixtures/images.ts APP_IMAGE). */
  appImage?: string;
  /** An SSM parameter name holding the AMI id, instead of the public ECS-optimised one. */
  amiParameter?: string;
}

export interface BaselineOutputs {
  VpcId: string;
  ClusterName: string;
  InstanceSecurityGroupId: string;
  OldServiceName: string;
}

export interface DeployedBaseline {
  stackName: string;
  stackId: string;
  /** false when a complete stack of the same name was already there and is reused. */
  created: boolean;
  outputs: BaselineOutputs;
}

export interface StackWaitOptions {
  pollMs?: number;
  /** Creating 4 instances and 4 tasks takes ~5–10 minutes on AWS. */
  timeoutMs?: number;
  /** Told every state seen, e.g. to log "waiting for stack …: CREATE_IN_PROGRESS". */
  onProgress?: (message: string) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export class BaselineStackError extends Error {
  constructor(
    readonly stackName: string,
    readonly status: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'BaselineStackError';
  }
}

export const TEMPLATE_URL = new URL('../../fixtures/baseline.cfn.json', import.meta.url);
const STACK_PREFIX = 'e2e-baseline-';
const OUTPUT_KEYS: (keyof BaselineOutputs)[] = ['VpcId', 'ClusterName', 'InstanceSecurityGroupId', 'OldServiceName'];
const DEFAULT_POLL_MS = 10_000;
const DEFAULT_TIMEOUT_MS = 30 * 60_000;

export function loadBaselineTemplate(): string {
  return readFileSync(TEMPLATE_URL, 'utf8');
}

/** Starts with a letter (stack names must) and with `e2e-baseline-`, which the IAM policy scopes to. */
export function baselineStackName(nickname: string, runId: string): string {
  return `${STACK_PREFIX}${nickname}-${runId}`;
}

function isMissingStack(error: unknown): boolean {
  const e = error as { name?: string; message?: string };
  return e?.name === 'ValidationError' && /does not exist/.test(e.message ?? '');
}

async function describeStack(cfn: CloudFormationSender, stackName: string): Promise<Stack | undefined> {
  try {
    const out = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))) as { Stacks?: Stack[] };
    return out.Stacks?.[0];
  } catch (error) {
    if (isMissingStack(error)) return undefined;
    throw error;
  }
}

/** The earliest failed resource of the latest attempt: the cause, not the cascade after it. */
async function firstFailure(cfn: CloudFormationSender, stackId: string): Promise<string | undefined> {
  try {
    const out = (await cfn.send(new DescribeStackEventsCommand({ StackName: stackId }))) as { StackEvents?: StackEvent[] };
    // Events come newest first.
    const failed = (out.StackEvents ?? []).filter((e) => e.ResourceStatus?.endsWith('_FAILED') && e.LogicalResourceId !== e.StackName);
    const first = failed.at(-1);
    return first ? `${first.LogicalResourceId} ${first.ResourceStatus}: ${first.ResourceStatusReason ?? 'no reason given'}` : undefined;
  } catch {
    return undefined;
  }
}

interface WaitGoal {
  /** What we wait for, in words, for messages. */
  what: string;
  done: (status: string) => boolean;
  failed: (status: string) => boolean;
  /** A stack that no longer exists: done (deleting) or failed (creating). */
  goneIsDone: boolean;
}

async function waitForStack(cfn: CloudFormationSender, stackName: string, stackId: string, goal: WaitGoal, options: StackWaitOptions): Promise<Stack | undefined> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let lastSeen = 'not described yet';
  try {
    const { value } = await waitFor<Stack | undefined>(
      `stack ${stackName} to reach ${goal.what}`,
      async () => {
        // By id: a deleted stack stays describable (DELETE_COMPLETE) by id, not by name.
        const stack = await describeStack(cfn, stackId);
        if (!stack) {
          if (goal.goneIsDone) return { done: true, state: 'gone', value: undefined };
          throw new BaselineStackError(stackName, undefined, `stack ${stackName} disappeared while waiting for ${goal.what}; last seen ${lastSeen}`);
        }
        const status = stack.StackStatus ?? 'UNKNOWN';
        if (status !== lastSeen) options.onProgress?.(`waiting for stack ${stackName} to reach ${goal.what}: ${status}`);
        lastSeen = status;
        if (goal.failed(status)) {
          const cause = await firstFailure(cfn, stackId);
          const reason = [stack.StackStatusReason, cause && `first failure: ${cause}`].filter(Boolean).join('; ') || 'no reason given';
          throw new BaselineStackError(stackName, status, `stack ${stackName} ended in ${status} instead of ${goal.what}: ${reason}`);
        }
        return { done: goal.done(status), state: status, value: stack };
      },
      {
        pollMs: options.pollMs ?? DEFAULT_POLL_MS,
        timeoutMs,
        progress: () => {}, // onProgress already says each new status
        transient: throttled,
        clock: { ...(options.now ? { now: options.now } : {}), ...(options.sleep ? { sleep: options.sleep } : {}) },
      },
    );
    return value;
  } catch (err) {
    if (err instanceof WaitTimeout) {
      throw new BaselineStackError(stackName, lastSeen, `timed out after ${Math.round(timeoutMs / 1000)} s waiting for stack ${stackName} to reach ${goal.what}; last seen ${lastSeen}`);
    }
    throw err;
  }
}

const CREATED: WaitGoal = {
  what: 'CREATE_COMPLETE',
  done: (s) => s === 'CREATE_COMPLETE' || s === 'UPDATE_COMPLETE',
  failed: (s) => s.endsWith('_FAILED') || s.endsWith('ROLLBACK_COMPLETE') || s === 'DELETE_COMPLETE',
  goneIsDone: false,
};

const DELETED: WaitGoal = {
  what: 'DELETE_COMPLETE',
  done: (s) => s === 'DELETE_COMPLETE',
  failed: (s) => s === 'DELETE_FAILED',
  goneIsDone: true,
};

function outputsOf(stackName: string, stack: Stack): BaselineOutputs {
  const values = new Map((stack.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  const outputs = {} as BaselineOutputs;
  for (const key of OUTPUT_KEYS) {
    const value = values.get(key);
    if (!value) throw new BaselineStackError(stackName, stack.StackStatus, `stack ${stackName} has no output ${key}; is it from another template?`);
    outputs[key] = value;
  }
  return outputs;
}

function parametersFor(params: BaselineParams): Parameter[] {
  const parameters: Parameter[] = [
    { ParameterKey: 'Nickname', ParameterValue: params.nickname },
    { ParameterKey: 'RunId', ParameterValue: params.runId },
  ];
  if (params.appImage) parameters.push({ ParameterKey: 'AppImage', ParameterValue: params.appImage });
  if (params.amiParameter) parameters.push({ ParameterKey: 'AmiId', ParameterValue: params.amiParameter });
  return parameters;
}

/** Create the baseline stack (or reuse a complete one of this run) and wait for it. */
export async function deployBaseline(cfn: CloudFormationSender, params: BaselineParams, options: StackWaitOptions = {}): Promise<DeployedBaseline> {
  const stackName = baselineStackName(params.nickname, params.runId);
  const existing = await describeStack(cfn, stackName);
  let stackId: string;
  let created: boolean;
  if (existing?.StackId && existing.StackStatus !== 'DELETE_COMPLETE') {
    // A stack left in ROLLBACK_COMPLETE cannot be updated, only deleted: waitForStack says so.
    stackId = existing.StackId;
    created = false;
  } else {
    const out = (await cfn.send(
      new CreateStackCommand({
        StackName: stackName,
        TemplateBody: loadBaselineTemplate(),
        Parameters: parametersFor(params),
        // The template creates an IAM role and instance profile with generated names.
        Capabilities: ['CAPABILITY_IAM'],
        Tags: [{ Key: RUN_TAG, Value: params.runId }],
      }),
    )) as { StackId?: string };
    if (!out.StackId) throw new BaselineStackError(stackName, undefined, `CreateStack for ${stackName} returned no StackId`);
    stackId = out.StackId;
    created = true;
  }
  const stack = await waitForStack(cfn, stackName, stackId, CREATED, options);
  return { stackName, stackId, created, outputs: outputsOf(stackName, stack!) };
}

export interface DeleteOptions extends StackWaitOptions {
  /**
   * DeleteStack calls in all. A first delete can fail on AWS for reasons that clear by
   * themselves (a cluster whose container instances are still deregistering, a security group
   * whose network interfaces are still detaching), so one retry is the default.
   */
  attempts?: number;
}

/** Delete the baseline stack of a run and wait until it is gone. A missing stack is fine. */
export async function deleteBaseline(cfn: CloudFormationSender, params: Pick<BaselineParams, 'nickname' | 'runId'>, options: DeleteOptions = {}): Promise<{ stackName: string; deleted: boolean }> {
  const stackName = baselineStackName(params.nickname, params.runId);
  return { stackName, deleted: await deleteStack(cfn, stackName, options) };
}

/** Delete one stack by name or id and wait until it is gone; false when there was none. */
export async function deleteStack(cfn: CloudFormationSender, stackNameOrId: string, options: DeleteOptions = {}): Promise<boolean> {
  const existing = await describeStack(cfn, stackNameOrId);
  if (!existing?.StackId || existing.StackStatus === 'DELETE_COMPLETE') return false;
  const stackName = existing.StackName ?? stackNameOrId;
  const attempts = Math.max(1, options.attempts ?? 2);
  for (let attempt = 1; ; attempt++) {
    await cfn.send(new DeleteStackCommand({ StackName: existing.StackId }));
    try {
      await waitForStack(cfn, stackName, existing.StackId, DELETED, options);
      return true;
    } catch (error) {
      const retryable = error instanceof BaselineStackError && error.status === 'DELETE_FAILED' && attempt < attempts;
      if (!retryable) throw error;
      options.onProgress?.(`${error.message}; deleting again (attempt ${attempt + 1} of ${attempts})`);
    }
  }
}

export interface BaselineStackFilter {
  /** Only this run's stack. */
  runId?: string;
  /** Only stacks created longer ago than this. */
  olderThanMs?: number;
  now?: number;
}

/**
 * Baseline stacks for `sweep`: named e2e-baseline-* and tagged e2e:run, narrowed by run and
 * age. Stacks already deleted, or being deleted, are left out.
 */
export async function findBaselineStacks(cfn: CloudFormationSender, filter: BaselineStackFilter): Promise<Stack[]> {
  const now = filter.now ?? Date.now();
  const found: Stack[] = [];
  let nextToken: string | undefined;
  do {
    const page = (await cfn.send(new DescribeStacksCommand({ NextToken: nextToken }))) as { Stacks?: Stack[]; NextToken?: string };
    for (const stack of page.Stacks ?? []) {
      const run = stack.Tags?.find((t) => t.Key === RUN_TAG)?.Value;
      if (!stack.StackName?.startsWith(STACK_PREFIX) || run === undefined) continue;
      if (stack.StackStatus === 'DELETE_COMPLETE' || stack.StackStatus === 'DELETE_IN_PROGRESS') continue;
      if (filter.runId !== undefined && run !== filter.runId) continue;
      if (filter.olderThanMs !== undefined && !(stack.CreationTime && now - stack.CreationTime.getTime() > filter.olderThanMs)) continue;
      found.push(stack);
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return found;
}
