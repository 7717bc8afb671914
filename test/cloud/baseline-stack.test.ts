import { describe, it, expect } from 'vitest';
import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  type CreateStackCommandInput,
  type Stack,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import {
  BaselineStackError,
  baselineStackName,
  deleteBaseline,
  deleteStack,
  deployBaseline,
  findBaselineStacks,
  loadBaselineTemplate,
  type CloudFormationSender,
} from '../../helpers/cloud/baseline-stack.js';

const STACK_ID = 'arn:aws:cloudformation:us-east-1:123456789012:stack/e2e-baseline-nick-r1/0c5f1a40-0000-11f0-9000-0a1b2c3d4e5f';
const OUTPUTS = [
  { OutputKey: 'VpcId', OutputValue: 'vpc-0abc' },
  { OutputKey: 'ClusterName', OutputValue: 'nick_ecs_cluster' },
  { OutputKey: 'InstanceSecurityGroupId', OutputValue: 'sg-0abc' },
  { OutputKey: 'OldServiceName', OutputValue: 'nick_app_service' },
];

function missing(stack: string) {
  return Object.assign(new Error(`Stack with id ${stack} does not exist`), { name: 'ValidationError' });
}

/**
 * A CloudFormation double: `statuses` is what successive DescribeStacks calls see once the
 * stack exists (the last one repeats); null means the stack does not exist.
 */
class FakeCloudFormation implements CloudFormationSender {
  calls: { name: string; input: Record<string, unknown> }[] = [];
  created?: CreateStackCommandInput;
  exists: boolean;
  statusReason?: string;
  events: StackEvent[] = [];
  private statuses: string[];

  constructor(options: { statuses: string[]; exists?: boolean; statusReason?: string; events?: StackEvent[] }) {
    this.statuses = [...options.statuses];
    this.exists = options.exists ?? false;
    this.statusReason = options.statusReason;
    this.events = options.events ?? [];
  }

  private nextStatus(): string {
    const status = this.statuses.length > 1 ? this.statuses.shift() : this.statuses[0];
    return status ?? 'UNKNOWN';
  }

  async send(command: unknown): Promise<unknown> {
    const { input } = command as { input: Record<string, unknown> };
    this.calls.push({ name: (command as object).constructor.name, input });
    if (command instanceof CreateStackCommand) {
      this.created = command.input;
      this.exists = true;
      return { StackId: STACK_ID };
    }
    if (command instanceof DescribeStacksCommand) {
      if (!this.exists) throw missing(String(input.StackName));
      const status = this.nextStatus();
      if (status === 'GONE') throw missing(String(input.StackName));
      return {
        Stacks: [
          {
            StackId: STACK_ID,
            StackName: 'e2e-baseline-nick-r1',
            StackStatus: status,
            StackStatusReason: status.includes('ROLLBACK') || status.endsWith('FAILED') ? this.statusReason : undefined,
            Outputs: status === 'CREATE_COMPLETE' ? OUTPUTS : undefined,
          },
        ],
      };
    }
    if (command instanceof DescribeStackEventsCommand) return { StackEvents: this.events };
    if (command instanceof DeleteStackCommand) return {};
    throw new Error(`unexpected command ${(command as object).constructor.name}`);
  }

  count(name: string): number {
    return this.calls.filter((c) => c.name === name).length;
  }
}

const fast = { pollMs: 1, sleep: async () => {} };

describe('deployBaseline', () => {
  it('creates the stack from the template with the run tag, the parameters and CAPABILITY_IAM, and returns its outputs', async () => {
    const cfn = new FakeCloudFormation({ statuses: ['CREATE_IN_PROGRESS', 'CREATE_IN_PROGRESS', 'CREATE_COMPLETE'] });
    const progress: string[] = [];
    const deployed = await deployBaseline(cfn, { nickname: 'nick', runId: 'r1', appImage: 'example/hello:1' }, { ...fast, onProgress: (m) => progress.push(m) });

    expect(cfn.created).toMatchObject({
      StackName: 'e2e-baseline-nick-r1',
      Capabilities: ['CAPABILITY_IAM'],
      Tags: [{ Key: 'e2e:run', Value: 'r1' }],
    });
    expect(cfn.created?.TemplateBody).toBe(loadBaselineTemplate());
    expect(cfn.created?.Parameters).toEqual([
      { ParameterKey: 'Nickname', ParameterValue: 'nick' },
      { ParameterKey: 'RunId', ParameterValue: 'r1' },
      { ParameterKey: 'AppImage', ParameterValue: 'example/hello:1' },
    ]);
    expect(deployed).toEqual({
      stackName: 'e2e-baseline-nick-r1',
      stackId: STACK_ID,
      created: true,
      outputs: { VpcId: 'vpc-0abc', ClusterName: 'nick_ecs_cluster', InstanceSecurityGroupId: 'sg-0abc', OldServiceName: 'nick_app_service' },
    });
    // Each state is reported once, naming the stack and the goal.
    expect(progress).toEqual([
      'waiting for stack e2e-baseline-nick-r1 to reach CREATE_COMPLETE: CREATE_IN_PROGRESS',
      'waiting for stack e2e-baseline-nick-r1 to reach CREATE_COMPLETE: CREATE_COMPLETE',
    ]);
  });

  it("keeps the template's app image unless one is given, and can take another AMI parameter", async () => {
    const cfn = new FakeCloudFormation({ statuses: ['CREATE_COMPLETE'] });
    await deployBaseline(cfn, { nickname: 'nick', runId: 'r1', amiParameter: '/e2e/ecs-ami' }, fast);
    expect(cfn.created?.Parameters).toEqual([
      { ParameterKey: 'Nickname', ParameterValue: 'nick' },
      { ParameterKey: 'RunId', ParameterValue: 'r1' },
      { ParameterKey: 'AmiId', ParameterValue: '/e2e/ecs-ami' },
    ]);
  });

  it('reuses a complete stack of the same run instead of creating another', async () => {
    const cfn = new FakeCloudFormation({ statuses: ['CREATE_COMPLETE'], exists: true });
    const deployed = await deployBaseline(cfn, { nickname: 'nick', runId: 'r1' }, fast);
    expect(cfn.count('CreateStackCommand')).toBe(0);
    expect(deployed.created).toBe(false);
    expect(deployed.outputs.ClusterName).toBe('nick_ecs_cluster');
  });

  it('raises on ROLLBACK_COMPLETE naming the stack, the status, its reason and the first failed resource', async () => {
    const cfn = new FakeCloudFormation({
      statuses: ['CREATE_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_COMPLETE'],
      statusReason: 'The following resource(s) failed to create: [LaunchTemplate].',
      events: [
        // newest first, as CloudFormation returns them
        { StackId: STACK_ID, StackName: 'e2e-baseline-nick-r1', EventId: '3', Timestamp: new Date(), LogicalResourceId: 'e2e-baseline-nick-r1', ResourceStatus: 'ROLLBACK_COMPLETE' },
        { StackId: STACK_ID, StackName: 'e2e-baseline-nick-r1', EventId: '2', Timestamp: new Date(), LogicalResourceId: 'AutoScalingGroup', ResourceStatus: 'CREATE_FAILED', ResourceStatusReason: 'Resource creation cancelled' },
        { StackId: STACK_ID, StackName: 'e2e-baseline-nick-r1', EventId: '1', Timestamp: new Date(), LogicalResourceId: 'LaunchTemplate', ResourceStatus: 'CREATE_FAILED', ResourceStatusReason: 'You are not authorized to perform: iam:PassRole' },
      ],
    });
    const error = await deployBaseline(cfn, { nickname: 'nick', runId: 'r1' }, fast).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BaselineStackError);
    const e = error as BaselineStackError;
    expect(e.stackName).toBe('e2e-baseline-nick-r1');
    expect(e.status).toBe('ROLLBACK_COMPLETE');
    expect(e.message).toContain('stack e2e-baseline-nick-r1 ended in ROLLBACK_COMPLETE');
    expect(e.message).toContain('The following resource(s) failed to create: [LaunchTemplate].');
    expect(e.message).toContain('first failure: LaunchTemplate CREATE_FAILED: You are not authorized to perform: iam:PassRole');
  });

  it('raises on CREATE_FAILED too, and on a stack left in ROLLBACK_COMPLETE by an earlier try', async () => {
    const failed = new FakeCloudFormation({ statuses: ['CREATE_FAILED'], statusReason: 'Template error' });
    await expect(deployBaseline(failed, { nickname: 'nick', runId: 'r1' }, fast)).rejects.toThrow(/ended in CREATE_FAILED .*Template error/);

    const leftOver = new FakeCloudFormation({ statuses: ['ROLLBACK_COMPLETE'], exists: true, statusReason: 'earlier failure' });
    await expect(deployBaseline(leftOver, { nickname: 'nick', runId: 'r1' }, fast)).rejects.toThrow(/ended in ROLLBACK_COMPLETE/);
    expect(leftOver.count('CreateStackCommand')).toBe(0);
  });

  it('times out naming what it waited for and the last state seen', async () => {
    let clock = 0;
    const cfn = new FakeCloudFormation({ statuses: ['CREATE_IN_PROGRESS'] });
    const error = await deployBaseline(cfn, { nickname: 'nick', runId: 'r1' }, {
      pollMs: 1_000,
      timeoutMs: 5_000,
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BaselineStackError);
    expect((error as Error).message).toBe(
      'timed out after 5 s waiting for stack e2e-baseline-nick-r1 to reach CREATE_COMPLETE; last seen CREATE_IN_PROGRESS',
    );
  });
});

describe('deleteBaseline', () => {
  it('deletes by stack id and waits until DELETE_COMPLETE', async () => {
    const cfn = new FakeCloudFormation({ statuses: ['CREATE_COMPLETE', 'DELETE_IN_PROGRESS', 'DELETE_COMPLETE'], exists: true });
    const result = await deleteBaseline(cfn, { nickname: 'nick', runId: 'r1' }, fast);
    expect(result).toEqual({ stackName: 'e2e-baseline-nick-r1', deleted: true });
    const deletes = cfn.calls.filter((c) => c.name === 'DeleteStackCommand');
    expect(deletes).toEqual([{ name: 'DeleteStackCommand', input: { StackName: STACK_ID } }]);
  });

  it('counts a stack that vanishes while deleting as deleted', async () => {
    const cfn = new FakeCloudFormation({ statuses: ['CREATE_COMPLETE', 'DELETE_IN_PROGRESS', 'GONE'], exists: true });
    expect((await deleteBaseline(cfn, { nickname: 'nick', runId: 'r1' }, fast)).deleted).toBe(true);
  });

  it('does nothing when there is no stack', async () => {
    const cfn = new FakeCloudFormation({ statuses: ['CREATE_COMPLETE'] });
    expect(await deleteBaseline(cfn, { nickname: 'nick', runId: 'r1' }, fast)).toEqual({ stackName: 'e2e-baseline-nick-r1', deleted: false });
    expect(cfn.count('DeleteStackCommand')).toBe(0);
  });

  it('deletes again once after DELETE_FAILED, then succeeds', async () => {
    const cfn = new FakeCloudFormation({
      statuses: ['CREATE_COMPLETE', 'DELETE_IN_PROGRESS', 'DELETE_FAILED', 'DELETE_IN_PROGRESS', 'DELETE_COMPLETE'],
      exists: true,
      statusReason: 'The following resource(s) failed to delete: [Cluster].',
    });
    const progress: string[] = [];
    await deleteBaseline(cfn, { nickname: 'nick', runId: 'r1' }, { ...fast, onProgress: (m) => progress.push(m) });
    expect(cfn.count('DeleteStackCommand')).toBe(2);
    expect(progress.some((m) => m.includes('deleting again (attempt 2 of 2)'))).toBe(true);
  });

  it('raises naming the stack and the reason when deleting keeps failing', async () => {
    const cfn = new FakeCloudFormation({
      statuses: ['CREATE_COMPLETE', 'DELETE_FAILED'],
      exists: true,
      statusReason: 'The following resource(s) failed to delete: [Vpc].',
      events: [
        { StackId: STACK_ID, StackName: 'e2e-baseline-nick-r1', EventId: '1', Timestamp: new Date(), LogicalResourceId: 'Vpc', ResourceStatus: 'DELETE_FAILED', ResourceStatusReason: 'The vpc has dependencies and cannot be deleted.' },
      ],
    });
    const error = (await deleteBaseline(cfn, { nickname: 'nick', runId: 'r1' }, fast).catch((e: unknown) => e)) as BaselineStackError;
    expect(error).toBeInstanceOf(BaselineStackError);
    expect(error.status).toBe('DELETE_FAILED');
    expect(error.message).toContain('stack e2e-baseline-nick-r1 ended in DELETE_FAILED instead of DELETE_COMPLETE');
    expect(error.message).toContain('Vpc DELETE_FAILED: The vpc has dependencies and cannot be deleted.');
    expect(cfn.count('DeleteStackCommand')).toBe(2);
  });
});

describe('baselineStackName', () => {
  it('starts with a letter and the e2e-baseline- prefix the IAM policy scopes to, even for a nickname starting with a digit', () => {
    expect(baselineStackName('7eleven', '20260101-abc123')).toBe('e2e-baseline-7eleven-20260101-abc123');
  });
});


describe('CloudFormationSender', () => {
  it('is satisfied by the real client (checked by tsc; constructing it makes no call)', () => {
    const client: CloudFormationSender = new CloudFormationClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    expect(typeof client.send).toBe('function');
  });
});

describe('deleteStack', () => {
  it('deletes a stack found by id (as sweep finds them)', async () => {
    const cfn = new FakeCloudFormation({ statuses: ['CREATE_COMPLETE', 'DELETE_COMPLETE'], exists: true });
    expect(await deleteStack(cfn, STACK_ID, fast)).toBe(true);
    expect(cfn.calls.filter((c) => c.name === 'DeleteStackCommand')).toEqual([{ name: 'DeleteStackCommand', input: { StackName: STACK_ID } }]);
  });
});

describe('findBaselineStacks', () => {
  const day = 86_400_000;
  const now = Date.parse('2026-07-10T12:00:00Z');
  const stack = (name: string, run: string | undefined, ageMs: number, status = 'CREATE_COMPLETE'): Stack => ({
    StackName: name,
    StackId: `arn:aws:cloudformation:us-east-1:123456789012:stack/${name}/id`,
    StackStatus: status as Stack['StackStatus'],
    CreationTime: new Date(now - ageMs),
    Tags: run === undefined ? [] : [{ Key: 'e2e:run', Value: run }],
  });
  /** Two pages of DescribeStacks, like an account with many stacks. */
  const pages: Record<string, { Stacks: Stack[]; NextToken?: string }> = {
    first: {
      Stacks: [stack('e2e-baseline-nick-old', 'old', 2 * day), stack('someone-elses-stack', 'old', 2 * day), stack('e2e-baseline-nick-untagged', undefined, 2 * day)],
      NextToken: 'page2',
    },
    page2: {
      Stacks: [stack('e2e-baseline-nick-new', 'new', 60_000), stack('e2e-baseline-nick-going', 'going', 2 * day, 'DELETE_IN_PROGRESS')],
    },
  };
  const cfn: CloudFormationSender = {
    async send(command) {
      if (!(command instanceof DescribeStacksCommand) || command.input.StackName) throw new Error('expected a listing DescribeStacks');
      const page = pages[command.input.NextToken ?? 'first'];
      if (!page) throw new Error(`unknown page ${command.input.NextToken}`);
      return page;
    },
  };
  const names = (stacks: Stack[]) => stacks.map((s) => s.StackName);

  it("finds one run's baseline stack over every page", async () => {
    expect(names(await findBaselineStacks(cfn, { runId: 'new', now }))).toEqual(['e2e-baseline-nick-new']);
  });

  it('finds the tagged baseline stacks older than an age, never untagged or foreign ones or ones being deleted', async () => {
    expect(names(await findBaselineStacks(cfn, { olderThanMs: 6 * 3_600_000, now }))).toEqual(['e2e-baseline-nick-old']);
    expect(names(await findBaselineStacks(cfn, { now }))).toEqual(['e2e-baseline-nick-old', 'e2e-baseline-nick-new']);
  });
});
