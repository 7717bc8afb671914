/**
 * The fault corpus: one participant mistake per case, made through the AWS API the way a
 * participant would make it (a simulator switch only where the API cannot express it), and
 * what the suite must say about it in verify mode.
 */
import type { Built, Mistakes } from '../support/participant.js';

export interface FaultCase {
  slug: string;
  mistake: string;
  build: Mistakes;
  /** Sim-only switch applied after building (what the AWS API cannot express). */
  switch?: (built: Built, admin: SimAdmin) => Promise<void>;
  /** Checks that must fail, the first being where the mistake shows. */
  mustFail: string[];
  /** Words the first failing check's message must contain (resource, expected, seen). */
  messageContains: string[];
  /** Checks that may fail as a consequence (traffic cannot work through an internal ALB…). */
  mayFail?: string[];
  /** Checks that must still pass, to show what this mistake looks like from outside. */
  mustPass?: string[];
}

export interface SimAdmin {
  setTaskMode(taskArn: string, mode: 'ok' | 'error500' | 'silent'): Promise<void>;
  skipTarget(loadBalancerArn: string, target: string): Promise<void>;
  serviceTasks(built: Built): Promise<{ taskArn: string; instanceId: string; hostPort: number }[]>;
}

const TRAFFIC = ['distribution.reachable', 'distribution.all-ok', 'distribution.attributed', 'distribution.all-tasks', 'distribution.even', 'lockdown.alb-still-answers'];

export const corpus: FaultCase[] = [
  { slug: 'tg-port-80', mistake: 'target group on port 80', build: { targetGroup: { port: 80 } }, mustFail: ['target-group.port'], messageContains: ['-ecs-tg', 'port', '80', '8080'] },
  { slug: 'tg-interval-30', mistake: 'health-check interval 30 s', build: { targetGroup: { interval: 30 } }, mustFail: ['target-group.interval'], messageContains: ['-ecs-tg', 'interval', '30', '6'] },
  { slug: 'tg-threshold-5', mistake: 'healthy threshold 5', build: { targetGroup: { healthyThreshold: 5 } }, mustFail: ['target-group.healthy-threshold'], messageContains: ['-ecs-tg', 'healthy threshold', '5', '3'] },
  { slug: 'alb-no-ipv6', mistake: 'ALB security group without ::/0', build: { albIpv6: false }, mustFail: ['load-balancer.security-group'], messageContains: ['-ecs-alb', '::/0', 'tcp 80 from 0.0.0.0/0'] },
  { slug: 'alb-internal', mistake: 'ALB internal', build: { scheme: 'internal' }, mustFail: ['load-balancer.scheme'], messageContains: ['-ecs-alb', 'scheme', 'internal', 'internet-facing'], mayFail: TRAFFIC },
  { slug: 'listener-8080', mistake: 'listener on 8080', build: { listenerPort: 8080 }, mustFail: ['load-balancer.listener'], messageContains: ['-ecs-alb', '80/HTTP', '8080'], mayFail: TRAFFIC },
  {
    slug: 'two-tasks',
    mistake: 'service with 2 tasks',
    build: { service: { count: 2 } },
    mustFail: ['service.tasks', 'distribution.all-tasks'],
    messageContains: ['-ecs-app-alb', 'desired count', '2', '3'],
    mayFail: ['service.targets-healthy', 'distribution.even'],
  },
  {
    slug: 'no-load-balancer',
    mistake: 'service without load balancer',
    build: { service: { withLoadBalancer: false } },
    mustFail: ['service.load-balancer'],
    messageContains: ['-ecs-app-alb', 'load balancers', '0'],
    mayFail: ['service.targets-healthy', ...TRAFFIC, 'lockdown.probe-addresses', 'lockdown.direct-access-blocked'],
  },
  {
    slug: 'task-500',
    mistake: 'one task answering 500 (switch)',
    build: {},
    switch: async (built, admin) => {
      const [first] = await admin.serviceTasks(built);
      await admin.setTaskMode(first!.taskArn, 'error500');
    },
    mustFail: ['service.targets-healthy'],
    messageContains: ['-ecs-tg', 'unhealthy'],
    mayFail: [...TRAFFIC, 'lockdown.probe-addresses', 'lockdown.direct-access-blocked'],
  },
  {
    slug: 'alb-skips-target',
    mistake: 'an ALB that skips one target (switch)',
    build: {},
    switch: async (built, admin) => {
      const [first] = await admin.serviceTasks(built);
      await admin.skipTarget(built.loadBalancerArn, `${first!.instanceId}:${first!.hostPort}`);
    },
    mustFail: ['distribution.all-tasks'],
    messageContains: ['http://', 'never answered'],
    mayFail: ['distribution.even', 'lockdown.alb-still-answers'],
  },
  {
    slug: 'old-not-deleted',
    mistake: 'old service scaled to 0 but not deleted',
    build: { oldService: 'scaled-to-zero' },
    mustFail: ['old-service.deleted'],
    messageContains: ['_app_service', 'ACTIVE'],
  },
  {
    slug: 'old-running',
    mistake: 'old service still running',
    build: { oldService: 'running' },
    mustFail: ['old-service.scaled-to-zero'],
    messageContains: ['_app_service', 'desired count 0', 'ACTIVE, desired 4'],
  },
  {
    slug: 'instances-open',
    mistake: 'instance group still open to 0.0.0.0/0',
    build: { lockdown: 'none' },
    mustFail: ['lockdown.rules-only-from-alb', 'lockdown.direct-access-blocked'],
    messageContains: ['-ecs-instances-sg', '0.0.0.0/0'],
  },
  {
    slug: 'alb-only-port-80',
    mistake: 'instance group admitting the ALB only on port 80',
    build: { lockdown: 'alb-port-80' },
    mustFail: ['service.targets-healthy', 'lockdown.rules-only-from-alb'],
    messageContains: ['-ecs-tg', 'unhealthy'],
    mayFail: [...TRAFFIC, 'lockdown.probe-addresses', 'lockdown.direct-access-blocked'],
  },
  {
    slug: 'own-group',
    mistake: "instance group admitting its own group instead of the ALB's",
    build: { lockdown: 'own-group' },
    mustFail: ['service.targets-healthy', 'lockdown.rules-only-from-alb'],
    messageContains: ['-ecs-tg', 'unhealthy'],
    mayFail: [...TRAFFIC, 'lockdown.probe-addresses', 'lockdown.direct-access-blocked'],
  },
  {
    slug: 'static-host-port',
    mistake: 'a task-definition revision with a static host port',
    build: { service: { staticHostPort: true } },
    mustFail: ['preflight.dynamic-port'],
    messageContains: ['_app_service:4', 'host port', '80', '0'],
  },
  {
    slug: 'fail-open',
    mistake: 'all targets unhealthy while the ALB fails open (health path /health answers 404)',
    build: { targetGroup: { healthPath: '/health' } },
    mustFail: ['service.targets-healthy'],
    messageContains: ['-ecs-tg', 'unhealthy'],
    mayFail: ['lockdown.probe-addresses', 'lockdown.direct-access-blocked'],
    // traffic alone would look fine: the ALB routes to all targets when none is healthy
    mustPass: ['distribution.all-ok', 'distribution.all-tasks', 'distribution.even'],
  },
];

/** Verify-mode checks that are skipped by design, with the reason they give. */
export const VERIFY_MODE_SKIPS = ['preflight.old-service', 'old-service.no-errors-during-drain', 'lockdown.direct-reachable-before'];
