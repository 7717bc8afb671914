/** AddTags / RemoveTags / DescribeTags over load balancers, target groups and listeners. */
import type { SimContext, ServiceHandlers } from '../../context.js';
import { AwsError } from '../../errors.js';
import { list, type QueryValue } from '../../protocol/query.js';
import type { Tags } from '../../world.js';
import { listenerByArn, loadBalancerByArn, tagList, tagsFrom, targetGroupByArn, validationError } from './common.js';

type Params = Record<string, QueryValue>;

const MAX_TAGS = 50;

function tagsOf(ctx: SimContext, arn: string): Tags {
  if (arn.includes(':loadbalancer/')) return loadBalancerByArn(ctx, arn).tags;
  if (arn.includes(':targetgroup/')) return targetGroupByArn(ctx, arn).tags;
  if (arn.includes(':listener/')) return listenerByArn(ctx, arn).tags;
  throw validationError(`'${arn}' is not a valid resource ARN for Elastic Load Balancing`);
}

function resourceArns(params: Params): string[] {
  const arns = list<string>(params.ResourceArns);
  if (arns.length === 0) {
    throw validationError("1 validation error detected: Value null at 'resourceArns' failed to satisfy constraint: Member must not be null");
  }
  return arns;
}

function addTags(params: Params, ctx: SimContext) {
  const arns = resourceArns(params);
  const tags = tagsFrom(params.Tags);
  if (tags.size === 0) throw validationError("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null");
  const targets = arns.map((arn) => tagsOf(ctx, arn));
  for (const existing of targets) {
    const keys = new Set([...existing.keys(), ...tags.keys()]);
    if (keys.size > MAX_TAGS) throw new AwsError('TooManyTags', 'The quota for the number of tags that can be assigned to a load balancer has been reached');
  }
  for (const existing of targets) for (const [k, v] of tags) existing.set(k, v);
  return {};
}

function removeTags(params: Params, ctx: SimContext) {
  const arns = resourceArns(params);
  const keys = list<string>(params.TagKeys);
  for (const arn of arns) {
    const tags = tagsOf(ctx, arn);
    for (const k of keys) tags.delete(k);
  }
  return {};
}

function describeTags(params: Params, ctx: SimContext) {
  const arns = resourceArns(params);
  if (arns.length > 20) throw validationError("1 validation error detected: Value at 'resourceArns' failed to satisfy constraint: Member must have length less than or equal to 20");
  return { TagDescriptions: arns.map((arn) => ({ ResourceArn: arn, Tags: tagList(tagsOf(ctx, arn)) })) };
}

export const tagHandlers: ServiceHandlers = {
  AddTags: addTags,
  RemoveTags: removeTags,
  DescribeTags: describeTags,
};
