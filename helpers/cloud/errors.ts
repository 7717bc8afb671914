/**
 * AWS errors that mean "ask again later", for the waits' `transient` option. Throttling is
 * per account and Region (token buckets): many graders or participants in one account share
 * them, so a throttled read is never a verdict. Names from each service's "request
 * throttling" page: EC2 RequestLimitExceeded, ECS ThrottlingException, ELB Throttling; the
 * others are what the SDK's own retry strategy treats as throttling.
 */
import { errorNamed } from '../core/waits.js';

export const THROTTLING_ERRORS = [
  'RequestLimitExceeded',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
] as const;

export const throttled = errorNamed(THROTTLING_ERRORS);

/** Throttling, or one of the named eventual-consistency errors (a read right after a write). */
export const throttledOr =
  (codes: readonly string[]) =>
  (err: unknown): string | undefined =>
    throttled(err) ?? errorNamed(codes)(err);

/**
 * A read right after this run's own write that has not caught up with it yet (the APIs are
 * eventually consistent: "Eventual consistency in the Amazon EC2 API", EC2 API reference; ECS
 * and ELB document the same for reads after writes), or throttling. NotFound is discovery's own
 * "Could not find …" — the same thing seen through a paginated list.
 */
export const notYetConsistent = throttledOr([
  'InvalidGroup.NotFound',
  'InvalidGroupId.NotFound',
  'TargetGroupNotFound',
  'TargetGroupNotFoundException',
  'LoadBalancerNotFound',
  'LoadBalancerNotFoundException',
  'ListenerNotFound',
  'ServiceNotFoundException',
  'NotFound',
]);
