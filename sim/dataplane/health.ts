/**
 * The ALB health checker: for every target group a listener forwards to, every
 * HealthCheckIntervalSeconds (simulated), one HTTP GET per non-draining target, sent FROM the
 * ALB's own loopback address — so the instance's security groups judge it exactly as they
 * judge ALB traffic. A check the instance does not admit is held silently and times out,
 * which is what AWS shows for a security group that only opens port 80 to the ALB while the
 * task listens on a dynamic port.
 */
import { request, type ClientRequest } from 'node:http';
import type { SimContext } from '../context.js';
import type { LoadBalancer, Target, TargetGroup } from '../world.js';
import { loadBalancersOf, targetKey } from './targets.js';
import { isLocalstack } from '../personas/localstack.js';

/**
 * Below this a scaled timeout no longer measures the target but the test machine's
 * scheduler (parallel test files on two cores): a loopback answer can take longer.
 */
const MIN_TIMEOUT_MS = 200;

type CheckResult =
  | { kind: 'ok' }
  | { kind: 'mismatch'; status: number }
  | { kind: 'timeout' }
  | { kind: 'failed' }
  | { kind: 'invalid-state'; state: string };

/** Does an HTTP status match a matcher such as "200", "200-299" or "200,302"? */
export function matcherAccepts(matcher: string, status: number): boolean {
  return matcher.split(',').some((part) => {
    const [lo, hi] = part.trim().split('-').map(Number);
    return lo !== undefined && status >= lo && status <= (hi ?? lo);
  });
}

/**
 * Target groups no listener forwards to hold 'unused' targets; once a listener uses the
 * group they start over as 'initial'. Draining targets keep draining either way.
 */
export function syncTargetUsage(ctx: SimContext): void {
  if (isLocalstack(ctx)) return;
  for (const tg of ctx.world.targetGroups.values()) {
    const inUse = loadBalancersOf(ctx, tg).length > 0;
    for (const t of tg.targets.values()) {
      if (t.state === 'draining') continue;
      if (inUse && t.state === 'unused') {
        setState(t, 'initial', 'Elb.RegistrationInProgress', 'Target registration is in progress');
        t.consecutiveOk = 0;
        t.consecutiveFail = 0;
      } else if (!inUse && t.state !== 'unused') {
        setState(t, 'unused', 'Target.NotInUse', 'Target group is not configured to receive traffic from the load balancer');
        t.consecutiveOk = 0;
        t.consecutiveFail = 0;
      }
    }
  }
}

function setState(t: Target, state: Target['state'], reason?: string, description?: string): void {
  t.state = state;
  t.reason = reason;
  t.description = description;
}

interface Loop {
  timer: NodeJS.Timeout;
  intervalSeconds: number;
}

export class HealthChecker {
  private readonly loops = new Map<string, Loop>();
  /** `${tg arn} ${target key}` → the check in flight (one at a time per target) */
  private readonly inFlight = new Map<string, ClientRequest>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly ctx: SimContext) {}

  /** Starts, restarts (interval changed) or stops each target group's check loop. */
  refresh(): void {
    // LocalStack persona: no health checks run; targets stay as registered (see targets.ts).
    if (this.closed || isLocalstack(this.ctx)) return;
    syncTargetUsage(this.ctx);
    const wanted = new Map<string, TargetGroup>();
    for (const tg of this.ctx.world.targetGroups.values()) {
      if (loadBalancersOf(this.ctx, tg).length > 0) wanted.set(tg.arn, tg);
    }
    for (const [arn, loop] of this.loops) {
      const tg = wanted.get(arn);
      if (!tg || tg.healthCheck.intervalSeconds !== loop.intervalSeconds) {
        this.ctx.clock.cancel(loop.timer);
        this.loops.delete(arn);
      }
    }
    for (const [arn, tg] of wanted) {
      if (this.loops.has(arn)) continue;
      const intervalSeconds = tg.healthCheck.intervalSeconds;
      const timer = this.ctx.clock.every(intervalSeconds * 1000, () => this.round(arn));
      this.loops.set(arn, { timer, intervalSeconds });
    }
  }

  close(): void {
    this.closed = true;
    for (const loop of this.loops.values()) this.ctx.clock.cancel(loop.timer);
    this.loops.clear();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const req of this.inFlight.values()) req.destroy();
    this.inFlight.clear();
  }

  private round(tgArn: string): void {
    const tg = this.ctx.world.targetGroups.get(tgArn);
    if (!tg || this.closed) return;
    const lb = loadBalancersOf(this.ctx, tg)
      .map((arn) => this.ctx.world.loadBalancers.get(arn))
      .find((l): l is LoadBalancer => l?.state === 'active');
    // A load balancer that is still provisioning does not check yet: its targets stay 'initial'.
    if (!lb) return;
    for (const t of tg.targets.values()) {
      if (t.state === 'draining' || t.state === 'unused') continue;
      if (!tg.healthCheck.enabled) {
        setState(t, 'unavailable', 'Target.HealthCheckDisabled', 'Health checks are disabled');
        continue;
      }
      this.check(tg, t, lb);
    }
  }

  private check(tg: TargetGroup, t: Target, lb: LoadBalancer): void {
    const key = `${tg.arn} ${targetKey(t.id, t.port)}`;
    if (this.inFlight.has(key)) return;
    const instance = this.ctx.world.instances.get(t.id);
    if (!instance || instance.state !== 'running') {
      this.apply(tg, t, { kind: 'invalid-state', state: instance?.state ?? 'terminated' });
      return;
    }
    // `initial` until the first checks decide (TargetHealth, ELBv2 API Reference: "Elb.InitialHealthChecking - The load
    // balancer is still sending the target the minimum number of health checks required to determine its health status")
    if (t.state === 'initial') setState(t, 'initial', 'Elb.InitialHealthChecking', 'Initial health checks in progress');

    const hc = tg.healthCheck;
    const port = hc.port === 'traffic-port' ? t.port : Number(hc.port);
    const req = request({
      host: instance.publicIpAddress,
      port,
      method: 'GET',
      path: hc.path || '/',
      localAddress: lb.sourceAddress,
      // A fresh connection per check: the instance's security groups are evaluated each time.
      agent: false,
      headers: { host: `${instance.publicIpAddress}:${port}`, 'user-agent': 'ELB-HealthChecker/2.0', connection: 'close' },
    });
    this.inFlight.set(key, req);

    let done = false;
    const finish = (result: CheckResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      this.timers.delete(timer);
      this.inFlight.delete(key);
      req.destroy();
      if (!this.closed) this.apply(tg, t, result);
    };
    const timer = setTimeout(
      () => finish({ kind: 'timeout' }),
      Math.max(MIN_TIMEOUT_MS, this.ctx.clock.scaled(hc.timeoutSeconds * 1000)),
    );
    this.timers.add(timer);

    req.on('socket', (socket) => {
      const note = () => this.ctx.network.noteAlbSocket(lb.arn, socket);
      if (socket.connecting) socket.once('connect', note);
      else note();
    });
    req.on('response', (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      finish(matcherAccepts(hc.matcher || '200', status) ? { kind: 'ok' } : { kind: 'mismatch', status });
    });
    req.on('error', () => finish({ kind: 'failed' }));
    req.end();
  }

  /** The AWS state machine: one success leaves 'initial'; thresholds govern the rest. */
  private apply(tg: TargetGroup, t: Target, result: CheckResult): void {
    if (tg.targets.get(targetKey(t.id, t.port)) !== t || t.state === 'draining' || t.state === 'unused') return;
    const hc = tg.healthCheck;
    if (result.kind === 'ok') {
      t.consecutiveOk++;
      t.consecutiveFail = 0;
      const recovers = t.state === 'unhealthy' ? t.consecutiveOk >= hc.healthyThresholdCount : true;
      if (recovers) setState(t, 'healthy');
      return;
    }
    t.consecutiveFail++;
    t.consecutiveOk = 0;
    const [reason, description] = failureReason(result);
    if (t.state === 'unhealthy' || t.consecutiveFail >= hc.unhealthyThresholdCount) {
      setState(t, 'unhealthy', reason, description);
      this.ctx.scheduler.targetUnhealthy(tg, t);
    }
  }
}

function failureReason(result: Exclude<CheckResult, { kind: 'ok' }>): [string, string] {
  switch (result.kind) {
    case 'mismatch':
      return ['Target.ResponseCodeMismatch', `Health checks failed with these codes: [${result.status}]`];
    case 'timeout':
      return ['Target.Timeout', 'Request timed out'];
    case 'failed':
      return ['Target.FailedHealthChecks', 'Health checks failed'];
    case 'invalid-state':
      return ['Target.InvalidState', `Target is in the ${result.state} state`];
  }
}
