import { describe, expect, it } from 'vitest';
import { forwardedTargetGroups } from '../../helpers/cloud/discovery.js';

const A = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/nick-ecs-tg/0123456789abcdef';
const B = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/other-tg/fedcba9876543210';

describe('forwardedTargetGroups', () => {
  it('names a plain forward once, though AWS describes it with TargetGroupArn and a one-group ForwardConfig', () => {
    const listener = { DefaultActions: [{ Type: 'forward' as const, TargetGroupArn: A, ForwardConfig: { TargetGroups: [{ TargetGroupArn: A, Weight: 1 }] } }] };
    expect(forwardedTargetGroups(listener)).toEqual([A]);
  });

  it('names every group of a weighted forward, and nothing of other actions', () => {
    const listener = {
      DefaultActions: [
        { Type: 'forward' as const, ForwardConfig: { TargetGroups: [{ TargetGroupArn: A }, { TargetGroupArn: B }] } },
        { Type: 'fixed-response' as const, FixedResponseConfig: { StatusCode: '404' } },
      ],
    };
    expect(forwardedTargetGroups(listener)).toEqual([A, B]);
  });
});
