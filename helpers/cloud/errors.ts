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
