// Module 04, step 4: the instances admit only the ALB (All TCP from its security group). The ALB
// still works; a task's direct address (instance public IP : host port) no longer answers.
import { expect } from 'vitest';
import { sampleAcrossTasks } from '../helpers/traffic/distribution.js';
import { describeRule, fromRulesApi, rulesAllowOnlyFrom } from '../helpers/cloud/sg-rules.js';
import { need, Skip, step } from '../helpers/suite/step.js';
import type { E2e } from '../helpers/suite/context.js';
import { negativeProbeTimeoutMs, probeDirect, probeEgress } from '../helpers/traffic/http.js';

const s = step('06-lockdown');

const answeredBefore = s.given(
  'lockdown.direct-reachable-before',
  'before the lockdown every task answers directly (so the probe can see an answer)',
  async (ctx) => {
    const svc = await need('service.found', ctx.newService());
    const tasks = await ctx.taskEndpoints(svc.value.serviceName!);
    const probes = await Promise.all(tasks.map((t) => probeDirect(t.publicIp, t.hostPort, ctx.profile.timing.directProbeTimeoutMs)));
    probes.forEach((p, i) => expect(p.outcome, `task ${tasks[i]!.taskId} at ${tasks[i]!.publicIp}:${tasks[i]!.hostPort} before the lockdown: ${p.detail}`).toBe('answered'));
    return { value: { tasks, probes }, evidence: { probes: probes.map((p) => `${p.detail} in ${p.ms} ms`) } };
  },
  {
    skipIf: (ctx) =>
      ctx.provisioning ? ctx.profile.capabilities.noSgEnforcement : 'verify mode: the lockdown was made before this run; lockdown.probe-addresses shows the probed addresses are right instead',
  },
);

// An instance admits what any of its groups admits, and the ALB is any of its groups: every
// container instance is judged with all of its groups against all of the ALB's.
s.check('lockdown.rules-only-from-alb', "the instances admit only TCP 0–65535 from the ALB's security group", async (ctx) => {
  const { loadBalancer } = await need('load-balancer.found', ctx.alb());
  await need('preflight.cluster', ctx.baseline());
  // provision mode performs the step here, after the before-probe (which a target may skip)
  await ctx.lockDown();
  const albGroups = loadBalancer.SecurityGroups?.length ? loadBalancer.SecurityGroups : ['(none)'];
  const judged = new Map<string, { instances: string[]; inbound: string[]; problems: string[] }>();
  for (const i of await ctx.instancesWithGroups()) {
    const groups = i.groups.map((g) => `${g.id} (${g.name})`).join(', ');
    const seen = judged.get(groups);
    if (seen) {
      seen.instances.push(i.instanceId);
      continue;
    }
    const rules = fromRulesApi(i.rules);
    judged.set(groups, { instances: [i.instanceId], inbound: rules.filter((r) => !r.isEgress).map(describeRule), problems: rulesAllowOnlyFrom(rules, albGroups).problems });
  }
  for (const [groups, j] of judged) {
    const whose = `security group${groups.includes(',') ? 's' : ''} ${groups} of instance${j.instances.length > 1 ? 's' : ''} ${j.instances.join(', ')}`;
    expect(j.problems, `${whose}; expected one inbound rule tcp 0-65535 from the load balancer's group (${albGroups.join(', ')})`).toEqual([]);
  }
  return { evidence: { albSecurityGroups: albGroups, instances: Object.fromEntries([...judged].map(([groups, j]) => [groups, { instances: j.instances, inbound: j.inbound }])) } };
});

s.check('lockdown.alb-still-answers', 'the ALB still answers, from all 3 tasks', async (ctx) => {
  await ctx.lockDown();
  const svc = await need('service.found', ctx.newService());
  const { loadBalancer } = await need('load-balancer.found', ctx.alb());
  const r = await sampleAcrossTasks(ctx, loadBalancer, svc.value.serviceName!, 60);
  const bad = r.sample.answers.filter((a) => a.status !== 200).map((a) => a.error ?? `HTTP ${a.status}`);
  expect(bad, `${r.url} after the lockdown: answers other than 200`).toEqual([]);
  expect(Object.values(r.distribution).filter((n) => n === 0).length, `${r.url} after the lockdown: tasks that never answered ${JSON.stringify(r.distribution)}`).toBe(0);
  return { evidence: { distribution: r.distribution, retriedOnce: r.sample.retries } };
});

const addresses = s.given('lockdown.probe-addresses', "each probed address is a RUNNING task's host port and a healthy target there", async (ctx) => {
  const svc = await need('service.found', ctx.newService());
  const tasks = await ctx.taskEndpoints(svc.value.serviceName!);
  const health = await ctx.targetHealth();
  expect(tasks.length, `service ${svc.value.serviceName}: RUNNING tasks to probe`).toBeGreaterThan(0);
  for (const t of tasks) {
    const where = `task ${t.taskId} at ${t.publicIp}:${t.hostPort} (instance ${t.instanceId})`;
    expect(t.lastStatus, `${where}: last status`).toBe('RUNNING');
    expect(t.publicIp, `${where}: instance public IP`).toBeTruthy();
    if (!ctx.profile.capabilities.unreliableHealth) {
      const h = health.find((x) => x.Target?.Id === t.instanceId && x.Target?.Port === t.hostPort);
      expect(h?.TargetHealth?.State, `${where}: target health`).toBe('healthy');
    }
  }
  return { value: tasks, evidence: { addresses: tasks.map((t) => `${t.publicIp}:${t.hostPort}`) } };
});

s.check(
  'lockdown.direct-access-blocked',
  "a task's direct address gives no answer",
  async (ctx) => {
    const tasks = await addresses.get();
    const control = await positiveControl(ctx);
    // as long as many of the control's round trips, within the target's floor and ceiling
    const timeoutMs = negativeProbeTimeoutMs(control.roundTripMs, ctx.profile.timing);
    const probes = await Promise.all(tasks.map((t) => probeDirect(t.publicIp, t.hostPort, timeoutMs)));
    probes.forEach((p, i) => {
      const t = tasks[i]!;
      const why =
        p.outcome === 'refused'
          ? 'the connection was refused: the packet got through the security group (a dropped packet gives no answer), so the instance is still reachable directly'
          : p.detail;
      expect(p.outcome, `task ${t.taskId} at ${t.publicIp}:${t.hostPort}: expected no answer within ${timeoutMs} ms; ${why}`).toBe('timeout');
    });
    return { evidence: { probes: probes.map((p) => p.detail), positiveControl: control.detail, controlRoundTripMs: control.roundTripMs, timeoutMs } };
  },
  { skipIf: (ctx) => ctx.profile.capabilities.noSgEnforcement },
);

/**
 * "No answer" proves nothing unless this runner, from here, could have seen an answer: a grader
 * whose own network drops outbound high ports sees a timeout too. The control is the before-probe
 * (provision mode) or the egress canary; without either the check is skipped, never passed.
 */
async function positiveControl(ctx: E2e): Promise<{ detail: string; roundTripMs: number }> {
  if (ctx.provisioning) {
    const before = await answeredBefore.get();
    const roundTripMs = Math.max(...before.probes.map((p) => p.ms));
    return { detail: `every task answered directly before the lockdown (lockdown.direct-reachable-before), the slowest in ${roundTripMs} ms`, roundTripMs };
  }
  const canary = ctx.config.egressCanary;
  if (!canary) {
    throw new Skip(
      'no positive control: in verify mode nothing shows that this runner could see an answer on a high port; give E2E_EGRESS_CANARY=host:port (--egress-canary), a listener outside the account that this runner should reach',
    );
  }
  const [, host, port] = /^\[?(.+?)\]?:(\d+)$/.exec(canary)!;
  const probe = await probeEgress(host!, Number(port), ctx.profile.timing.directProbeTimeoutMs);
  if (probe.outcome !== 'answered') {
    throw new Skip(`no positive control: the egress canary ${canary} did not answer this runner (${probe.detail}), so "no answer" from a task would prove nothing`);
  }
  return { detail: `the egress canary ${canary} answered this runner in ${probe.ms} ms`, roundTripMs: probe.ms };
}
