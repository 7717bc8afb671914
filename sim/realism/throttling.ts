/**
 * API throttling as AWS documents it: per account and Region, token buckets that hold
 * `capacity` tokens and refill at `refillPerSecond` tokens per simulated second (so at time
 * scale 0.05 a bucket refills 20 times faster in real time). A call that finds its bucket
 * empty is answered with the service's own throttling error, which the SDKs' retry strategies
 * recognise as throttling (RequestLimitExceeded, ThrottlingException, Throttling).
 *
 * Sources:
 * - EC2: "Request throttling for the Amazon EC2 API",
 *   https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html — each API has its
 *   own bucket, sized by category: non-mutating 100/20 per s; DescribeInstances,
 *   DescribeNetworkInterfaces, DescribeSecurityGroups without filter and pagination 50/10;
 *   mutating 50/5; Authorize/RevokeSecurityGroupIngress (resource-intensive) 50/5;
 *   CreateTags/DeleteTags 100/10. Error code RequestLimitExceeded (HTTP 503, as the EC2 API
 *   answers it: "Request limit exceeded.").
 * - ECS: "Request throttling for the Amazon ECS API",
 *   https://docs.aws.amazon.com/AmazonECS/latest/APIReference/request-throttling.html — one
 *   bucket per category, shared by its actions: cluster read 50/20, cluster modify 20/1,
 *   task definition read 50/20, modify 20/1, cluster resource read (DescribeTasks, ListTasks,
 *   DescribeContainerInstances, …) 100/20, cluster resource modify (StopTask,
 *   DeregisterContainerInstance, …) 100/40, service read 100/20, service modify 50/5, tag read
 *   50/20, tag modify 20/10. ThrottlingException, HTTP 400, "Rate exceeded".
 * - ELB: "Request throttling for the Elastic Load Balancing API",
 *   https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/elb-api-throttling.html —
 *   per category: non-mutating (Describe*) 40/10, mutating 20/3, registration (Register/
 *   DeregisterTargets) 20/4, resource-intensive (CreateLoadBalancer, SetSubnets) 10/0.2; and an
 *   account-level bucket of 40/10 shared by every ELB action. The page names the code
 *   "ThrottlingException"; the ELBv2 query API (and the SDK's model) answer `Throttling`, HTTP
 *   400, "Rate exceeded" — that is what is sent here.
 * STS is not throttled here (the suite calls it once).
 */
import { AwsError } from '../errors.js';
import type { SimClock } from '../clock.js';

export interface BucketSpec {
  capacity: number;
  refillPerSecond: number;
}

export type ThrottledService = 'ec2' | 'elbv2' | 'ecs';

const EC2_NON_MUTATING: BucketSpec = { capacity: 100, refillPerSecond: 20 };
const EC2_UNFILTERED: BucketSpec = { capacity: 50, refillPerSecond: 10 };
const EC2_MUTATING: BucketSpec = { capacity: 50, refillPerSecond: 5 };
const EC2_TAGS: BucketSpec = { capacity: 100, refillPerSecond: 10 };
/** Describes that use the smaller bucket when called with neither a filter nor pagination. */
const EC2_UNFILTERED_ACTIONS = new Set(['DescribeInstances', 'DescribeInstanceStatus', 'DescribeNetworkInterfaces', 'DescribeSecurityGroups']);

const ECS_CATEGORIES: Record<string, [string, BucketSpec]> = {};
function ecsCategory(name: string, spec: BucketSpec, actions: string[]): void {
  for (const a of actions) ECS_CATEGORIES[a] = [name, spec];
}
ecsCategory('cluster-modify', { capacity: 20, refillPerSecond: 1 }, ['CreateCluster', 'DeleteCluster', 'PutClusterCapacityProviders', 'UpdateCluster', 'UpdateClusterSettings']);
ecsCategory('cluster-read', { capacity: 50, refillPerSecond: 20 }, ['DescribeClusters', 'ListClusters']);
ecsCategory('task-definition-modify', { capacity: 20, refillPerSecond: 1 }, ['DeregisterTaskDefinition', 'RegisterTaskDefinition']);
ecsCategory('task-definition-read', { capacity: 50, refillPerSecond: 20 }, ['DescribeTaskDefinition', 'ListTaskDefinitions', 'ListTaskDefinitionFamilies']);
ecsCategory('tag-modify', { capacity: 20, refillPerSecond: 10 }, ['TagResource', 'UntagResource']);
ecsCategory('tag-read', { capacity: 50, refillPerSecond: 20 }, ['ListTagsForResource']);
ecsCategory('cluster-resource-modify', { capacity: 100, refillPerSecond: 40 }, [
  'DeleteAttributes', 'DeregisterContainerInstance', 'ExecuteCommand', 'PutAttributes', 'RunTask', 'StartTask', 'StopTask',
  'UpdateContainerAgent', 'UpdateContainerInstancesState',
]);
ecsCategory('cluster-resource-read', { capacity: 100, refillPerSecond: 20 }, [
  'DescribeContainerInstances', 'DescribeTasks', 'ListAttributes', 'ListContainerInstances', 'ListTasks',
]);
ecsCategory('service-modify', { capacity: 50, refillPerSecond: 5 }, ['CreateService', 'DeleteService', 'UpdateService']);
ecsCategory('service-read', { capacity: 100, refillPerSecond: 20 }, ['DescribeServices', 'ListServices']);

const ELB_NON_MUTATING: BucketSpec = { capacity: 40, refillPerSecond: 10 };
const ELB_MUTATING: BucketSpec = { capacity: 20, refillPerSecond: 3 };
const ELB_REGISTRATION: BucketSpec = { capacity: 20, refillPerSecond: 4 };
const ELB_RESOURCE_INTENSIVE: BucketSpec = { capacity: 10, refillPerSecond: 0.2 };
const ELB_ACCOUNT: BucketSpec = { capacity: 40, refillPerSecond: 10 };

const isRead = (action: string) => /^(Describe|List|Get|Search)/.test(action);

/** The buckets one call draws from, by name (a call is admitted only if every one has a token). */
export function bucketsFor(service: ThrottledService, action: string, params: Record<string, unknown> = {}): [string, BucketSpec][] {
  switch (service) {
    case 'ec2': {
      if (!isRead(action)) {
        const spec = action === 'CreateTags' || action === 'DeleteTags' ? EC2_TAGS : EC2_MUTATING;
        return [[`ec2:${action}`, spec]];
      }
      const unfiltered = EC2_UNFILTERED_ACTIONS.has(action) && params.Filter === undefined && params.MaxResults === undefined && params.NextToken === undefined;
      return unfiltered ? [[`ec2:${action}:unfiltered`, EC2_UNFILTERED]] : [[`ec2:${action}`, EC2_NON_MUTATING]];
    }
    case 'ecs': {
      const [name, spec] = ECS_CATEGORIES[action] ?? (isRead(action) ? ['other-read', { capacity: 50, refillPerSecond: 20 }] : ['other-modify', { capacity: 20, refillPerSecond: 1 }]);
      return [[`ecs:${name}`, spec]];
    }
    case 'elbv2': {
      let category: [string, BucketSpec];
      if (action === 'CreateLoadBalancer' || action === 'SetSubnets') category = ['resource-intensive', ELB_RESOURCE_INTENSIVE];
      else if (action === 'RegisterTargets' || action === 'DeregisterTargets') category = ['registration', ELB_REGISTRATION];
      else if (isRead(action)) category = ['non-mutating', ELB_NON_MUTATING];
      else category = ['mutating', ELB_MUTATING];
      return [[`elbv2:${category[0]}`, category[1]], ['elbv2:account', ELB_ACCOUNT]];
    }
  }
}

interface Bucket {
  spec: BucketSpec;
  tokens: number;
  /** ms (simulated, or real with refill 'real') at which `tokens` was last brought up to date */
  at: number;
  throttled: number;
}

export interface BucketReadout {
  capacity: number;
  refillPerSecond: number;
  tokens: number;
  throttled: number;
}

/**
 * How buckets refill: per simulated second (the default: a scaled run meets the pressure of its
 * simulated seconds) or per real second. A run that mostly reads a finished deployment (grading
 * in verify mode) makes its calls at the machine's pace, not scaled: refilling in real time
 * gives it AWS's own rates per real second — at time scale 0.05 the simulated refill would be 20
 * times kinder than AWS.
 */
export type ThrottleRefill = 'simulated' | 'real';

export class Throttle {
  private readonly buckets = new Map<string, Bucket>();
  private refillIn: ThrottleRefill;

  constructor(
    private readonly clock: SimClock,
    refill: ThrottleRefill = 'simulated',
    private readonly realNow: () => number = () => performance.now(),
  ) {
    this.refillIn = refill;
  }

  get refill(): ThrottleRefill {
    return this.refillIn;
  }

  /** Switches how the buckets refill from now on (tokens held are kept). */
  setRefill(refill: ThrottleRefill): void {
    const before = this.now();
    for (const b of this.buckets.values()) this.refill_(b, before);
    this.refillIn = refill;
    const after = this.now();
    for (const b of this.buckets.values()) b.at = after;
  }

  private now(): number {
    return this.refillIn === 'real' ? this.realNow() : this.clock.now();
  }

  /** Takes a token from every bucket the call draws from, or throws the service's throttling error. */
  admit(service: ThrottledService, action: string, params: Record<string, unknown> = {}): void {
    const now = this.now();
    const buckets = bucketsFor(service, action, params).map(([name, spec]) => this.bucket(name, spec, now));
    const empty = buckets.find((b) => b.tokens < 1);
    if (empty) {
      empty.throttled++;
      throw throttlingError(service);
    }
    for (const b of buckets) b.tokens -= 1;
  }

  /** Every bucket used so far, for GET /_sim/throttling. */
  readout(): Record<string, BucketReadout> {
    const now = this.now();
    const out: Record<string, BucketReadout> = {};
    for (const [name, b] of this.buckets) {
      this.refill_(b, now);
      out[name] = { ...b.spec, tokens: Math.floor(b.tokens), throttled: b.throttled };
    }
    return out;
  }

  private bucket(name: string, spec: BucketSpec, now: number): Bucket {
    let b = this.buckets.get(name);
    if (!b) {
      b = { spec, tokens: spec.capacity, at: now, throttled: 0 };
      this.buckets.set(name, b);
    }
    this.refill_(b, now);
    return b;
  }

  private refill_(b: Bucket, now: number): void {
    b.tokens = Math.min(b.spec.capacity, b.tokens + ((now - b.at) / 1000) * b.spec.refillPerSecond);
    b.at = now;
  }
}

export function throttlingError(service: ThrottledService): AwsError {
  switch (service) {
    case 'ec2':
      return new AwsError('RequestLimitExceeded', 'Request limit exceeded.', 503);
    case 'ecs':
      return new AwsError('ThrottlingException', 'Rate exceeded', 400);
    case 'elbv2':
      return new AwsError('Throttling', 'Rate exceeded', 400);
  }
}
