// Module 04, step 1a: an empty target group of type instance, HTTP 8080, healthy threshold 3, interval 6.
import { expect } from 'vitest';
import { need, step } from '../helpers/suite/step.js';

const s = step('01-target-group');

const targetGroup = s.given('target-group.found', 'the target group exists', async (ctx) => {
  const found = await ctx.targetGroup();
  return { value: found.value, evidence: { name: found.value.TargetGroupName, arn: found.value.TargetGroupArn, foundBy: found.via } };
});

type Tg = Awaited<ReturnType<typeof targetGroup.get>>;

/** One setting of the target group: `field` as the console names it, `key` as the API does. */
const expectSetting = <K extends keyof Tg>(id: string, title: string, field: string, key: K, expected: Tg[K]) =>
  s.check(id, title, async () => {
    const tg = await targetGroup.get();
    expect(tg[key], `target group ${tg.TargetGroupName}: ${field}`).toBe(expected);
    return { evidence: { [key]: tg[key] } };
  });

expectSetting('target-group.type', 'target type is instance', 'target type', 'TargetType', 'instance');
expectSetting('target-group.protocol', 'protocol is HTTP', 'protocol', 'Protocol', 'HTTP');
expectSetting('target-group.port', 'port is 8080', 'port', 'Port', 8080);
expectSetting('target-group.healthy-threshold', 'healthy threshold is 3', 'healthy threshold', 'HealthyThresholdCount', 3);
expectSetting('target-group.interval', 'health-check interval is 6 s', 'health-check interval', 'HealthCheckIntervalSeconds', 6);

s.check('target-group.vpc', "it is in the cluster's VPC", async (ctx) => {
  const tg = await targetGroup.get();
  const b = await need('preflight.cluster', ctx.baseline());
  expect(tg.VpcId, `target group ${tg.TargetGroupName}: VPC (the cluster's instances are in ${b.vpcId})`).toBe(b.vpcId);
  return { evidence: { vpcId: tg.VpcId } };
});
