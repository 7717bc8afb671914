/**
 * Listeners and their default rules. A listener's default actions decide which target
 * groups are "in use", which in turn starts or stops their health checks.
 */
import type { SimContext, ServiceHandlers } from '../../context.js';
import { AwsError } from '../../errors.js';
import { int, list, str, type QueryValue } from '../../protocol/query.js';
import { syncTargetUsage } from '../../dataplane/health.js';
import { loadBalancersOf } from '../../dataplane/targets.js';
import type { Listener, ListenerAction, LoadBalancer } from '../../world.js';
import {
  checkRange,
  defaultRuleArn,
  listenerByArn,
  loadBalancerByArn,
  newListenerArn,
  paginate,
  required,
  tagsFrom,
  targetGroupByArn,
  validationError,
} from './common.js';

type Params = Record<string, QueryValue>;

const FIXED_RESPONSE_CONTENT_TYPES = ['text/plain', 'text/css', 'text/html', 'application/javascript', 'application/json'];

/** Target group ARNs an action forwards to. */
export const forwardedTargetGroups = (a: ListenerAction): string[] =>
  a.Type !== 'forward'
    ? []
    : [...new Set([a.TargetGroupArn, ...(a.ForwardConfig?.TargetGroups ?? []).map((t) => t.TargetGroupArn)].filter((x): x is string => !!x))];

export function actionView(a: ListenerAction) {
  if (a.Type === 'forward') {
    const groups = a.ForwardConfig?.TargetGroups ?? [];
    return {
      Type: a.Type,
      TargetGroupArn: groups.length === 1 ? groups[0]!.TargetGroupArn : undefined,
      Order: a.Order,
      ForwardConfig: {
        TargetGroups: groups.map((g) => ({ TargetGroupArn: g.TargetGroupArn, Weight: g.Weight ?? 1 })),
        TargetGroupStickinessConfig: { Enabled: false },
      },
    };
  }
  return { Type: a.Type, Order: a.Order, FixedResponseConfig: a.FixedResponseConfig, RedirectConfig: a.RedirectConfig };
}

export const listenerView = (l: Listener) => ({
  ListenerArn: l.arn,
  LoadBalancerArn: l.loadBalancerArn,
  Port: l.port,
  Protocol: l.protocol,
  DefaultActions: l.defaultActions.map(actionView),
});

/** Reads and validates DefaultActions; forward actions are normalised to a ForwardConfig. */
function actionsFrom(ctx: SimContext, lb: LoadBalancer, raw: QueryValue | undefined): ListenerAction[] {
  const items = list<Params>(raw);
  if (items.length === 0) {
    throw validationError("1 validation error detected: Value null at 'defaultActions' failed to satisfy constraint: Member must not be null");
  }
  const actions = items.map((p): ListenerAction => {
    const type = str(p.Type);
    // Shown back only when the caller gave it, as AWS does.
    const order = int(p.Order);
    checkRange('Order', order, 1, 50000);
    switch (type) {
      case 'forward':
        return forwardAction(ctx, lb, p, order);
      case 'fixed-response':
        return fixedResponseAction(p, order);
      case 'redirect':
        return redirectAction(p, order);
      case undefined:
        throw validationError("1 validation error detected: Value null at 'defaultActions.member.type' failed to satisfy constraint: Member must not be null");
      default:
        throw new AwsError('InvalidLoadBalancerAction', `The action type '${type}' is not supported for default actions`);
    }
  });
  const terminal = actions.filter((a) => ['forward', 'fixed-response', 'redirect'].includes(a.Type));
  if (terminal.length !== 1) throw new AwsError('InvalidLoadBalancerAction', 'You must specify exactly one forward, redirect, or fixed-response action');
  return actions.map((a, i) => ({ a, i })).sort((x, y) => (x.a.Order ?? x.i + 1) - (y.a.Order ?? y.i + 1)).map((x) => x.a);
}

function forwardAction(ctx: SimContext, lb: LoadBalancer, p: Params, order: number | undefined): ListenerAction {
  const single = str(p.TargetGroupArn);
  const config = p.ForwardConfig as Params | undefined;
  const weighted = list<Params>(config?.TargetGroups).map((t) => {
    const weight = int(t.Weight);
    checkRange('Weight', weight, 0, 999);
    return { TargetGroupArn: str(t.TargetGroupArn) ?? '', Weight: weight ?? 1 };
  });
  if (!single && weighted.length === 0) {
    throw validationError('A target group ARN must be specified for a forward action');
  }
  if (single && weighted.length && !(weighted.length === 1 && weighted[0]!.TargetGroupArn === single)) {
    throw validationError('You cannot specify both a target group ARN and a forward config with different target groups');
  }
  const groups = weighted.length ? weighted : [{ TargetGroupArn: single!, Weight: 1 }];
  for (const g of groups) {
    const tg = targetGroupByArn(ctx, g.TargetGroupArn);
    const otherLbs = loadBalancersOf(ctx, tg).filter((arn) => arn !== lb.arn);
    if (otherLbs.length) {
      throw new AwsError(
        'TargetGroupAssociationLimit',
        `The following target groups cannot be associated with more than one load balancer: ${tg.arn}`,
      );
    }
    const lbTakes = lb.type === 'network' ? ['TCP', 'TLS', 'UDP', 'TCP_UDP'] : ['HTTP', 'HTTPS'];
    if (!lbTakes.includes(tg.protocol) && tg.targetType !== 'lambda') {
      throw validationError(`The target group protocol '${tg.protocol}' is not supported for listeners of ${lb.type === 'network' ? 'Network' : 'Application'} Load Balancers`);
    }
    if (tg.vpcId && tg.vpcId !== lb.vpcId) {
      throw validationError(`The target group '${tg.arn}' is not in the same VPC as the load balancer`);
    }
  }
  return { Type: 'forward', Order: order, ForwardConfig: { TargetGroups: groups } };
}

function fixedResponseAction(p: Params, order: number | undefined): ListenerAction {
  const c = (p.FixedResponseConfig ?? {}) as Params;
  const status = str(c.StatusCode);
  if (!status || !/^[245]\d\d$/.test(status)) {
    throw validationError(`Fixed response status code '${status ?? ''}' must be a 2XX, 4XX or 5XX code`);
  }
  const contentType = str(c.ContentType);
  if (contentType !== undefined && !FIXED_RESPONSE_CONTENT_TYPES.includes(contentType)) {
    throw validationError(`Fixed response content type '${contentType}' is not valid`);
  }
  const body = str(c.MessageBody);
  if (body !== undefined && body.length > 1024) throw validationError('Fixed response message body cannot be longer than 1024 characters');
  return { Type: 'fixed-response', Order: order, FixedResponseConfig: { StatusCode: status, ContentType: contentType, MessageBody: body } };
}

function redirectAction(p: Params, order: number | undefined): ListenerAction {
  const c = (p.RedirectConfig ?? {}) as Params;
  const status = str(c.StatusCode);
  if (status !== 'HTTP_301' && status !== 'HTTP_302') throw validationError(`Redirect status code '${status ?? ''}' must be HTTP_301 or HTTP_302`);
  return {
    Type: 'redirect',
    Order: order,
    RedirectConfig: {
      StatusCode: status,
      Protocol: str(c.Protocol) ?? '#{protocol}',
      Port: str(c.Port) ?? '#{port}',
      Host: str(c.Host) ?? '#{host}',
      Path: str(c.Path) ?? '/#{path}',
      Query: str(c.Query) ?? '#{query}',
    },
  };
}

const PROTOCOLS_BY_TYPE: Record<string, string[]> = { application: ['HTTP', 'HTTPS'], network: ['TCP', 'TLS', 'UDP', 'TCP_UDP'] };

function checkProtocolAndPort(params: Params, protocol: string, port: number | undefined, lbType = 'application'): void {
  if (!(PROTOCOLS_BY_TYPE[lbType] ?? []).includes(protocol)) {
    throw new AwsError('UnsupportedProtocol', `Protocol '${protocol}' is not supported for load balancers of type '${lbType}'`);
  }
  if (protocol === 'HTTPS' && list(params.Certificates).length === 0) {
    throw new AwsError('CertificateNotFound', 'A certificate must be specified for HTTPS listeners');
  }
  if (port === undefined) throw validationError("1 validation error detected: Value null at 'port' failed to satisfy constraint: Member must not be null");
  checkRange('Port', port, 1, 65535);
}

function listenerChanged(ctx: SimContext): void {
  syncTargetUsage(ctx);
  ctx.alb.refresh();
}

function createListener(params: Params, ctx: SimContext) {
  const lb = loadBalancerByArn(ctx, required(params, 'LoadBalancerArn'));
  const protocol = str(params.Protocol) ?? 'HTTP';
  const port = int(params.Port);
  checkProtocolAndPort(params, protocol, port, lb.type);
  const defaultActions = actionsFrom(ctx, lb, params.DefaultActions);
  const existing = [...ctx.world.listeners.values()].find((l) => l.loadBalancerArn === lb.arn && l.port === port);
  if (existing) {
    // Idempotent for identical settings, like the other Create* actions.
    if (existing.protocol === protocol && JSON.stringify(existing.defaultActions) === JSON.stringify(defaultActions)) {
      return { Listeners: [listenerView(existing)] };
    }
    throw new AwsError('DuplicateListener', 'A listener already exists on this port for this load balancer');
  }
  const listener: Listener = {
    arn: newListenerArn(lb),
    loadBalancerArn: lb.arn,
    port: port!,
    protocol,
    defaultActions,
    tags: tagsFrom(params.Tags),
  };
  ctx.world.listeners.set(listener.arn, listener);
  listenerChanged(ctx);
  return { Listeners: [listenerView(listener)] };
}

function describeListeners(params: Params, ctx: SimContext) {
  const lbArn = str(params.LoadBalancerArn);
  const arns = list<string>(params.ListenerArns);
  if (!lbArn && arns.length === 0) throw validationError('You must specify either listener ARNs or a load balancer ARN');
  if (lbArn && arns.length) throw validationError('Listener ARNs and a load balancer ARN cannot be specified at the same time');
  let listeners: Listener[];
  if (lbArn) {
    loadBalancerByArn(ctx, lbArn);
    listeners = [...ctx.world.listeners.values()].filter((l) => l.loadBalancerArn === lbArn);
  } else {
    listeners = arns.map((arn) => listenerByArn(ctx, arn));
  }
  const { page, NextMarker } = paginate(listeners, params);
  return { Listeners: page.map(listenerView), NextMarker };
}

function modifyListener(params: Params, ctx: SimContext) {
  const listener = listenerByArn(ctx, required(params, 'ListenerArn'));
  const lb = loadBalancerByArn(ctx, listener.loadBalancerArn);
  const protocol = str(params.Protocol) ?? listener.protocol;
  const port = int(params.Port) ?? listener.port;
  if (str(params.Protocol) !== undefined || str(params.Port) !== undefined) checkProtocolAndPort(params, protocol, port, lb.type);
  const clash = [...ctx.world.listeners.values()].find((l) => l !== listener && l.loadBalancerArn === lb.arn && l.port === port);
  if (clash) throw new AwsError('DuplicateListener', 'A listener already exists on this port for this load balancer');
  const defaultActions = params.DefaultActions !== undefined ? actionsFrom(ctx, lb, params.DefaultActions) : listener.defaultActions;
  listener.protocol = protocol;
  listener.port = port;
  listener.defaultActions = defaultActions;
  listenerChanged(ctx);
  return { Listeners: [listenerView(listener)] };
}

function deleteListener(params: Params, ctx: SimContext) {
  const listener = listenerByArn(ctx, required(params, 'ListenerArn'));
  ctx.world.listeners.delete(listener.arn);
  listenerChanged(ctx);
  return {};
}

const defaultRuleView = (l: Listener) => ({
  RuleArn: defaultRuleArn(l),
  Priority: 'default',
  Conditions: [],
  Actions: l.defaultActions.map(actionView),
  IsDefault: true,
});

function describeRules(params: Params, ctx: SimContext) {
  const listenerArn = str(params.ListenerArn);
  const ruleArns = list<string>(params.RuleArns);
  if (!listenerArn && ruleArns.length === 0) throw validationError('You must specify either listener rule ARNs or a listener ARN');
  let listeners: Listener[];
  if (listenerArn) {
    listeners = [listenerByArn(ctx, listenerArn)];
  } else {
    listeners = ruleArns.map((arn) => {
      const l = [...ctx.world.listeners.values()].find((x) => defaultRuleArn(x) === arn);
      if (!l) throw new AwsError('RuleNotFound', 'One or more rules not found');
      return l;
    });
  }
  const { page, NextMarker } = paginate(listeners, params);
  return { Rules: page.map(defaultRuleView), NextMarker };
}

export const listenerHandlers: ServiceHandlers = {
  CreateListener: createListener,
  DescribeListeners: describeListeners,
  ModifyListener: modifyListener,
  DeleteListener: deleteListener,
  DescribeRules: describeRules,
};
