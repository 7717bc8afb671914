/**
 * Target groups: create/describe/modify/delete, their attributes, target registration and
 * DescribeTargetHealth. Health states themselves are driven by the data plane's checker.
 */
import type { SimContext, ServiceHandlers } from '../../context.js';
import { AwsError } from '../../errors.js';
import { bool, int, list, str, type QueryValue } from '../../protocol/query.js';
import { deregisterTarget, loadBalancersOf, registerTarget } from '../../dataplane/targets.js';
import type { Target, TargetGroup } from '../../world.js';
import {
  attributeList,
  attributesFrom,
  checkRange,
  loadBalancerByArn,
  newTargetGroupArn,
  paginate,
  required,
  tagsFrom,
  targetGroupByArn,
  validateTargetGroupName,
  validationError,
} from './common.js';

type Params = Record<string, QueryValue>;
type HealthCheck = TargetGroup['healthCheck'];

const PROTOCOLS = ['HTTP', 'HTTPS', 'TCP', 'TLS', 'UDP', 'TCP_UDP', 'GENEVE'];
const TARGET_TYPES = ['instance', 'ip', 'lambda', 'alb'];

export const TARGET_GROUP_ATTRIBUTE_DEFAULTS: ReadonlyMap<string, string> = new Map([
  ['deregistration_delay.timeout_seconds', '300'],
  ['stickiness.enabled', 'false'],
  ['stickiness.type', 'lb_cookie'],
  ['stickiness.lb_cookie.duration_seconds', '86400'],
  ['stickiness.app_cookie.cookie_name', ''],
  ['stickiness.app_cookie.duration_seconds', '86400'],
  ['load_balancing.algorithm.type', 'round_robin'],
  ['load_balancing.algorithm.anomaly_mitigation', 'off'],
  ['load_balancing.cross_zone.enabled', 'use_load_balancer_configuration'],
  ['slow_start.duration_seconds', '0'],
  ['target_group_health.dns_failover.minimum_healthy_targets.count', '1'],
  ['target_group_health.dns_failover.minimum_healthy_targets.percentage', 'off'],
  ['target_group_health.unhealthy_state_routing.minimum_healthy_targets.count', '1'],
  ['target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage', 'off'],
]);

export function targetGroupView(ctx: SimContext, tg: TargetGroup) {
  const hc = tg.healthCheck;
  return {
    TargetGroupArn: tg.arn,
    TargetGroupName: tg.name,
    Protocol: tg.protocol,
    Port: tg.port,
    VpcId: tg.vpcId,
    HealthCheckProtocol: hc.protocol,
    HealthCheckPort: hc.port,
    HealthCheckEnabled: hc.enabled,
    HealthCheckIntervalSeconds: hc.intervalSeconds,
    HealthCheckTimeoutSeconds: hc.timeoutSeconds,
    HealthyThresholdCount: hc.healthyThresholdCount,
    UnhealthyThresholdCount: hc.unhealthyThresholdCount,
    HealthCheckPath: hc.path,
    Matcher: { HttpCode: hc.matcher },
    LoadBalancerArns: loadBalancersOf(ctx, tg),
    TargetType: tg.targetType,
    ProtocolVersion: tg.protocolVersion,
    IpAddressType: tg.ipAddressType,
  };
}

/** Applies the HealthCheck* parameters over `base` and checks AWS's ranges. */
function healthCheckFrom(params: Params, base: HealthCheck): HealthCheck {
  const hc: HealthCheck = { ...base };
  const protocol = str(params.HealthCheckProtocol);
  if (protocol !== undefined) {
    if (!PROTOCOLS.includes(protocol)) throw validationError(`Health check protocol '${protocol}' is not supported`);
    hc.protocol = protocol;
  }
  const port = str(params.HealthCheckPort);
  if (port !== undefined) {
    if (port !== 'traffic-port') {
      const n = Number(port);
      if (!Number.isInteger(n) || n < 1 || n > 65535) throw validationError(`Health check port '${port}' must be 'traffic-port' or a number between 1 and 65535`);
    }
    hc.port = port;
  }
  const path = str(params.HealthCheckPath);
  if (path !== undefined) {
    if (!path.startsWith('/')) throw validationError(`Health check path '${path}' must begin with a '/' character`);
    if (path.length > 1024) throw validationError('Health check path cannot be longer than 1024 characters');
    hc.path = path;
  }
  const enabled = bool(params.HealthCheckEnabled);
  if (enabled !== undefined) hc.enabled = enabled;

  const interval = int(params.HealthCheckIntervalSeconds);
  const timeout = int(params.HealthCheckTimeoutSeconds);
  const healthy = int(params.HealthyThresholdCount);
  const unhealthy = int(params.UnhealthyThresholdCount);
  checkRange('HealthCheckIntervalSeconds', interval, 5, 300);
  checkRange('HealthCheckTimeoutSeconds', timeout, 2, 120);
  checkRange('HealthyThresholdCount', healthy, 2, 10);
  checkRange('UnhealthyThresholdCount', unhealthy, 2, 10);
  hc.intervalSeconds = interval ?? hc.intervalSeconds;
  hc.timeoutSeconds = timeout ?? hc.timeoutSeconds;
  hc.healthyThresholdCount = healthy ?? hc.healthyThresholdCount;
  hc.unhealthyThresholdCount = unhealthy ?? hc.unhealthyThresholdCount;
  if (hc.timeoutSeconds >= hc.intervalSeconds) {
    throw validationError('Health check interval must be greater than the timeout.');
  }

  const matcher = params.Matcher as Params | undefined;
  const code = matcher ? str(matcher.HttpCode) : undefined;
  if (code !== undefined) {
    validateMatcher(code);
    hc.matcher = code;
  }
  return hc;
}

function validateMatcher(code: string): void {
  const ok = code.split(',').every((part) => {
    const m = /^(\d{3})(?:-(\d{3}))?$/.exec(part.trim());
    if (!m) return false;
    const lo = Number(m[1]);
    const hi = Number(m[2] ?? m[1]);
    return lo >= 200 && hi <= 499 && lo <= hi;
  });
  if (!ok) throw validationError(`Health check matcher HTTP code '${code}' must be a value between 200 and 499, a comma-separated list or a range`);
}

function defaultHealthCheck(protocol: string): HealthCheck {
  const http = protocol === 'HTTP' || protocol === 'HTTPS';
  return {
    protocol: http ? protocol : 'TCP',
    port: 'traffic-port',
    path: http ? '/' : '',
    enabled: true,
    intervalSeconds: 30,
    timeoutSeconds: http ? 5 : 10,
    healthyThresholdCount: 5,
    unhealthyThresholdCount: 2,
    matcher: http ? '200' : '',
  };
}

const sameSettings = (a: TargetGroup, b: TargetGroup): boolean =>
  a.protocol === b.protocol &&
  a.port === b.port &&
  a.vpcId === b.vpcId &&
  a.targetType === b.targetType &&
  JSON.stringify(a.healthCheck) === JSON.stringify(b.healthCheck);

function createTargetGroup(params: Params, ctx: SimContext) {
  const name = required(params, 'Name');
  validateTargetGroupName(name);
  const targetType = (str(params.TargetType) ?? 'instance') as TargetGroup['targetType'];
  if (!TARGET_TYPES.includes(targetType)) throw validationError(`Target type '${targetType}' is not valid`);
  const protocol = str(params.Protocol);
  const port = int(params.Port);
  const vpcId = str(params.VpcId);
  if (targetType === 'instance' || targetType === 'ip') {
    if (!protocol) throw validationError(`A protocol must be specified for target groups with target type '${targetType}'`);
    if (port === undefined) throw validationError(`A port must be specified for target groups with target type '${targetType}'`);
    if (!vpcId) throw validationError(`A VPC ID must be specified for target groups with target type '${targetType}'`);
  }
  if (protocol && !PROTOCOLS.includes(protocol)) throw validationError(`Protocol '${protocol}' is not supported`);
  checkRange('Port', port, 1, 65535);
  if (vpcId && !ctx.world.vpcs.has(vpcId)) throw validationError(`The VPC ID '${vpcId}' is not found`);

  const tg: TargetGroup = {
    arn: '',
    name,
    protocol: protocol ?? '',
    port: port ?? 0,
    vpcId: vpcId ?? '',
    targetType,
    protocolVersion: protocol === 'HTTP' || protocol === 'HTTPS' ? (str(params.ProtocolVersion) ?? 'HTTP1') : '',
    ipAddressType: str(params.IpAddressType) ?? 'ipv4',
    healthCheck: healthCheckFrom(params, defaultHealthCheck(protocol ?? 'HTTP')),
    attributes: new Map(TARGET_GROUP_ATTRIBUTE_DEFAULTS),
    targets: new Map(),
    tags: tagsFrom(params.Tags),
    createdAt: new Date(),
  };

  const existing = [...ctx.world.targetGroups.values()].find((t) => t.name.toLowerCase() === name.toLowerCase());
  if (existing) {
    // CreateTargetGroup is idempotent: the same name with the same settings returns the existing group.
    if (sameSettings(existing, tg)) return { TargetGroups: [targetGroupView(ctx, existing)] };
    throw new AwsError('DuplicateTargetGroupName', `A target group with the same name '${name}' exists, but with different settings`);
  }
  tg.arn = newTargetGroupArn(ctx, name);
  ctx.world.targetGroups.set(tg.arn, tg);
  ctx.consistency.created(tg.arn);
  return { TargetGroups: [targetGroupView(ctx, tg)] };
}

function describeTargetGroups(params: Params, ctx: SimContext) {
  const lbArn = str(params.LoadBalancerArn);
  const arns = list<string>(params.TargetGroupArns);
  const names = list<string>(params.Names);
  if ([lbArn !== undefined, arns.length > 0, names.length > 0].filter(Boolean).length > 1) {
    throw validationError('Target group names, target group ARNs, and a load balancer ARN cannot be specified at the same time');
  }
  // Eventual consistency (realism): fresh groups are not seen yet, deleted ones still are.
  const ghosts = ctx.consistency.ghostsOf<TargetGroup>('target-group');
  const seen = [...ctx.world.targetGroups.values()].filter((tg) => ctx.consistency.visible(tg.arn));
  let groups = [...seen, ...ghosts.values()];
  if (lbArn !== undefined) {
    loadBalancerByArn(ctx, lbArn);
    groups = groups.filter((tg) => loadBalancersOf(ctx, tg).includes(lbArn));
  } else if (arns.length) {
    groups = arns.map((arn) => ghosts.get(arn) ?? visibleOrNotFound(ctx, targetGroupByArn(ctx, arn)));
  } else if (names.length) {
    groups = names.map((n) => {
      const tg = groups.find((t) => t.name === n);
      if (!tg) throw new AwsError('TargetGroupNotFound', `Target groups '${JSON.stringify(names)}' not found`);
      return tg;
    });
  }
  const { page, NextMarker } = paginate(groups, params);
  return { TargetGroups: page.map((tg) => targetGroupView(ctx, tg)), NextMarker };
}

function visibleOrNotFound(ctx: SimContext, tg: TargetGroup): TargetGroup {
  if (!ctx.consistency.visible(tg.arn)) throw new AwsError('TargetGroupNotFound', 'One or more target groups not found');
  return tg;
}

function modifyTargetGroup(params: Params, ctx: SimContext) {
  const tg = targetGroupByArn(ctx, required(params, 'TargetGroupArn'));
  tg.healthCheck = healthCheckFrom(params, tg.healthCheck);
  ctx.alb.refresh();
  return { TargetGroups: [targetGroupView(ctx, tg)] };
}

function deleteTargetGroup(params: Params, ctx: SimContext) {
  const arn = required(params, 'TargetGroupArn');
  const tg = ctx.world.targetGroups.get(arn);
  if (!tg) return {};
  if (loadBalancersOf(ctx, tg).length > 0) {
    throw new AwsError('ResourceInUse', `Target group '${arn}' is currently in use by a listener or a rule`);
  }
  for (const t of tg.targets.values()) ctx.clock.cancel(t.drainTimer);
  ctx.world.targetGroups.delete(arn);
  ctx.consistency.deleted('target-group', arn, tg);
  ctx.alb.refresh();
  return {};
}

function describeTargetGroupAttributes(params: Params, ctx: SimContext) {
  const tg = targetGroupByArn(ctx, required(params, 'TargetGroupArn'));
  return { Attributes: attributeList(tg.attributes) };
}

function modifyTargetGroupAttributes(params: Params, ctx: SimContext) {
  const tg = targetGroupByArn(ctx, required(params, 'TargetGroupArn'));
  const pairs = attributesFrom(params.Attributes, tg.attributes, 'Target group');
  if (pairs.length === 0) throw validationError("1 validation error detected: Value null at 'attributes' failed to satisfy constraint: Member must not be null");
  for (const [key, value] of pairs) validateTargetGroupAttribute(key, value);
  for (const [key, value] of pairs) tg.attributes.set(key, value);
  return { Attributes: attributeList(tg.attributes) };
}

function validateTargetGroupAttribute(key: string, value: string): void {
  const between = (lo: number, hi: number) => {
    const n = Number(value);
    if (value === '' || !Number.isInteger(n) || n < lo || n > hi) {
      throw validationError(`'${value}' is not a valid value for target group attribute '${key}'. It must be an integer between ${lo} and ${hi}`);
    }
  };
  const oneOf = (...allowed: string[]) => {
    if (!allowed.includes(value)) throw validationError(`'${value}' is not a valid value for target group attribute '${key}'. Valid values: ${allowed.join(', ')}`);
  };
  switch (key) {
    case 'deregistration_delay.timeout_seconds':
      return between(0, 3600);
    case 'slow_start.duration_seconds':
      if (value !== '0') between(30, 900);
      return;
    case 'stickiness.enabled':
      return oneOf('true', 'false');
    case 'stickiness.type':
      return oneOf('lb_cookie', 'app_cookie');
    case 'stickiness.lb_cookie.duration_seconds':
      return between(1, 604800);
    case 'load_balancing.algorithm.type':
      return oneOf('round_robin', 'least_outstanding_requests', 'weighted_random');
  }
}

interface TargetParam {
  Id: string;
  Port?: number;
}

function targetsFrom(params: Params, tg: TargetGroup): TargetParam[] {
  const raw = list<Params>(params.Targets);
  if (raw.length === 0) throw validationError("1 validation error detected: Value null at 'targets' failed to satisfy constraint: Member must not be null");
  return raw.map((t) => {
    const id = str(t.Id);
    if (!id) throw validationError("1 validation error detected: Value null at 'targets.member.id' failed to satisfy constraint: Member must not be null");
    const port = int(t.Port);
    checkRange('Port', port, 1, 65535);
    return { Id: id, Port: port ?? (tg.port || undefined) };
  });
}

function checkInstanceTargets(ctx: SimContext, tg: TargetGroup, targets: TargetParam[]): void {
  if (tg.targetType !== 'instance') return;
  const unknown = targets.filter((t) => !ctx.world.instances.has(t.Id)).map((t) => t.Id);
  if (unknown.length) throw new AwsError('InvalidTarget', `The following targets are not valid instances: '${unknown.join("', '")}'`);
  const otherVpc = targets.filter((t) => ctx.world.instances.get(t.Id)!.vpcId !== tg.vpcId).map((t) => t.Id);
  if (otherVpc.length) {
    throw new AwsError('InvalidTarget', `The following targets are not in the target group VPC '${tg.vpcId}': '${otherVpc.join("', '")}'`);
  }
}

function registerTargets(params: Params, ctx: SimContext) {
  const tg = targetGroupByArn(ctx, required(params, 'TargetGroupArn'));
  const targets = targetsFrom(params, tg);
  checkInstanceTargets(ctx, tg, targets);
  const notRunning = targets
    .filter((t) => tg.targetType === 'instance' && ctx.world.instances.get(t.Id)!.state !== 'running')
    .map((t) => t.Id);
  if (notRunning.length) {
    throw new AwsError('InvalidTarget', `The following targets are not in a running state and cannot be registered: '${notRunning.join("', '")}'`);
  }
  if (targets.some((t) => t.Port === undefined)) throw validationError('A port must be specified for each target');
  for (const t of targets) registerTarget(ctx, tg, t.Id, t.Port!);
  return {};
}

function deregisterTargets(params: Params, ctx: SimContext) {
  const tg = targetGroupByArn(ctx, required(params, 'TargetGroupArn'));
  const targets = targetsFrom(params, tg);
  checkInstanceTargets(ctx, tg, targets);
  for (const t of targets) {
    // Draining completes in the background after the deregistration delay.
    if (t.Port === undefined) {
      for (const reg of [...tg.targets.values()].filter((r) => r.id === t.Id)) void deregisterTarget(ctx, tg, reg.id, reg.port);
    } else {
      void deregisterTarget(ctx, tg, t.Id, t.Port);
    }
  }
  ctx.alb.refresh();
  return {};
}

function healthDescription(tg: TargetGroup, t: Target) {
  return {
    Target: { Id: t.id, Port: t.port, AvailabilityZone: t.availabilityZone },
    HealthCheckPort: tg.healthCheck.port === 'traffic-port' ? String(t.port) : tg.healthCheck.port,
    TargetHealth: { State: t.state, Reason: t.reason, Description: t.description },
  };
}

function describeTargetHealth(params: Params, ctx: SimContext) {
  const tg = targetGroupByArn(ctx, required(params, 'TargetGroupArn'));
  const wanted = list<Params>(params.Targets);
  if (wanted.length === 0) {
    return { TargetHealthDescriptions: [...tg.targets.values()].map((t) => healthDescription(tg, t)) };
  }
  const descriptions = wanted.flatMap((w): ReturnType<typeof healthDescription>[] => {
    const id = str(w.Id) ?? '';
    const port = int(w.Port);
    const registered = [...tg.targets.values()].filter((t) => t.id === id && (port === undefined || t.port === port));
    if (registered.length) return registered.map((t) => healthDescription(tg, t));
    if (tg.targetType === 'instance' && !ctx.world.instances.has(id)) {
      throw new AwsError('InvalidTarget', `The following targets are not valid instances: '${id}'`);
    }
    const p = port ?? tg.port;
    return [
      {
        Target: { Id: id, Port: p, AvailabilityZone: undefined },
        HealthCheckPort: tg.healthCheck.port === 'traffic-port' ? String(p) : tg.healthCheck.port,
        TargetHealth: { State: 'unused' as const, Reason: 'Target.NotRegistered', Description: 'Target is not registered to the target group' },
      },
    ];
  });
  return { TargetHealthDescriptions: descriptions };
}

export const targetGroupHandlers: ServiceHandlers = {
  CreateTargetGroup: createTargetGroup,
  DescribeTargetGroups: describeTargetGroups,
  ModifyTargetGroup: modifyTargetGroup,
  DeleteTargetGroup: deleteTargetGroup,
  DescribeTargetGroupAttributes: describeTargetGroupAttributes,
  ModifyTargetGroupAttributes: modifyTargetGroupAttributes,
  RegisterTargets: registerTargets,
  DeregisterTargets: deregisterTargets,
  DescribeTargetHealth: describeTargetHealth,
};

