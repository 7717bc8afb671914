/**
 * ECS as LocalStack runs it: every task is a Docker container on the Docker host, started
 * whether or not the cluster has container instances ("By default, the ECS Fargate launch type
 * is assumed, i.e., the local Docker engine is used for deployment of applications, and there is
 * no need to create and manage EC2 virtual machines", https://docs.localstack.cloud/aws/services/ecs/).
 * Instances an Auto Scaling group starts are mocks (Auto Scaling "only works with the mock VM
 * manager", https://docs.localstack.cloud/aws/services/autoscaling/), so none registers as a
 * container instance and a task names none.
 */
import { randomUUID } from 'node:crypto';
import type { World } from '../world.js';
import { DOCKER_HOST_ADDRESS, TASK_TARGET_AVAILABILITY_ZONE } from './localstack.js';

export interface DockerHostPlacement {
  ok: true;
  /** No container instance: DescribeTasks leaves containerInstanceArn out. */
  containerInstanceArn: '';
  instanceId: '';
  availabilityZone: string;
}

/**
 * The zone a task reports: LocalStack's documentation does not say. Chosen: the region's first
 * zone, as a Fargate task in a one-subnet setup would show.
 */
export function dockerHostPlacement(world: World): DockerHostPlacement {
  return { ok: true, containerInstanceArn: '', instanceId: '', availabilityZone: `${world.region}a` };
}

/**
 * A task id as LocalStack forms it: a UUID. The ECS page's log stream
 * `myprefix/ls-ecs-mycluster-75f0515e-0364-4ee5-9828-19026140c91a-0-a1afaa9d/75f0515e-0364-4ee5-9828-19026140c91a`
 * ends in the task id, as an awslogs stream does (https://docs.localstack.cloud/aws/services/ecs/).
 */
export const localstackTaskId = (): string => randomUUID();

/** Where a service's task is registered in its target group (see TASK_TARGET_AVAILABILITY_ZONE). */
export function dockerHostTarget(hostPort: number): { id: string; port: number; availabilityZone: string } {
  return { id: DOCKER_HOST_ADDRESS, port: hostPort, availabilityZone: TASK_TARGET_AVAILABILITY_ZONE };
}
