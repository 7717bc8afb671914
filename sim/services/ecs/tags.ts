/** Tags on clusters, services, task definitions and tasks, found by ARN. */
import type { ServiceHandlers } from '../../context.js';
import { AwsError } from '../../errors.js';
import type { Tags, World } from '../../world.js';
import { requireString, stringList, tagsFromParam, tagsView } from './common.js';

export const tagHandlers: ServiceHandlers = {
  TagResource(params, ctx) {
    const tags = tagsOf(ctx.world, requireString(params.resourceArn, 'resourceArn'));
    for (const [k, v] of tagsFromParam(params.tags)) tags.set(k, v);
    if (tags.size > 50) throw new AwsError('InvalidParameterException', 'Tags cannot have more than 50 tags.');
    return {};
  },

  UntagResource(params, ctx) {
    const tags = tagsOf(ctx.world, requireString(params.resourceArn, 'resourceArn'));
    for (const key of stringList(params.tagKeys, 'tagKeys')) tags.delete(key);
    return {};
  },

  ListTagsForResource(params, ctx) {
    return { tags: tagsView(tagsOf(ctx.world, requireString(params.resourceArn, 'resourceArn'))) };
  },
};

function tagsOf(world: World, arn: string): Tags {
  const resource = world.clusters.get(arn) ?? world.services.get(arn) ?? world.taskDefinitions.get(arn) ?? world.tasks.get(arn);
  if (resource) return resource.tags;
  if (!/^arn:aws:ecs:[^:]+:\d{12}:(cluster|service|task-definition|task|container-instance|capacity-provider)\//.test(arn)) {
    throw new AwsError('InvalidParameterException', 'The ARN provided is invalid.');
  }
  throw new AwsError('ResourceNotFoundException', 'The specified resource could not be found.');
}
