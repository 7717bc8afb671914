/**
 * The verify-mode guard refuses writes before they leave the process: a refused call never
 * reaches the network (an unreachable endpoint proves it — the refusal comes first).
 */
import { CreateTargetGroupCommand, DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { AuthorizeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import { DeleteServiceCommand } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { createClients, READ_ONLY_ACTION, ReadOnlyViolation } from '../../helpers/cloud/clients.js';
import type { TargetProfile } from '../../helpers/targets/profile.js';

const nowhere: TargetProfile = {
  name: 'sim',
  region: 'us-east-1',
  endpoint: 'http://127.0.0.1:9',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  capabilities: {},
  timing: { pollMs: 10, waitTimeoutMs: 100, directProbeTimeoutMs: 100, directProbeFloorMs: 100, requestTimeoutMs: 100, settleMs: 100 },
  albAddress: () => ({ origin: '', host: '', pathPrefix: '' }),
  taskHost: (ip) => ip,
};

describe('verify-mode guard', () => {
  const c = createClients(nowhere, 'verify');

  it.each([
    ['elasticloadbalancing', 'CreateTargetGroup', () => c.elb.send(new CreateTargetGroupCommand({ Name: 'x' }))],
    ['ec2', 'AuthorizeSecurityGroupIngress', () => c.ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: 'sg-1' }))],
    ['ecs', 'DeleteService', () => c.ecs.send(new DeleteServiceCommand({ service: 's' }))],
  ])('refuses %s:%s before any network use', async (service, action, call) => {
    const err = await call().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReadOnlyViolation);
    expect((err as Error).message).toContain(`${service}:${action}`);
  });

  it('lets reads through to the network (which here refuses the connection)', async () => {
    const err = await c.elb.send(new DescribeTargetGroupsCommand({})).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(ReadOnlyViolation);
  });

  it('records every call in the log, refused ones with their error', () => {
    expect(c.calls.map((x) => x.action)).toEqual(expect.arrayContaining(['CreateTargetGroup', 'DescribeTargetGroups']));
    expect(c.calls.find((x) => x.action === 'CreateTargetGroup')?.error).toBe('ReadOnlyViolation');
  });

  it('classifies actions by their verb', () => {
    for (const a of ['DescribeTasks', 'ListServices', 'GetCallerIdentity']) expect(READ_ONLY_ACTION.test(a)).toBe(true);
    for (const a of ['CreateService', 'Describe', 'ListenerCreate', 'ModifyListener', 'DeregisterTargets']) expect(READ_ONLY_ACTION.test(a)).toBe(false);
  });
});
