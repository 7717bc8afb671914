/**
 * The LocalStack persona: what LocalStack does differently from AWS, as its documentation (or,
 * where the documentation is silent, its issue tracker) says. Everything not named here stays
 * AWS's behaviour. Sources are cited at each constant; the README's "--persona localstack"
 * table lists them all.
 */
import type { SimContext } from '../context.js';

export const isLocalstack = (ctx: Pick<SimContext, 'persona'>): boolean => ctx.persona === 'localstack';

/**
 * Every ARN and GetCallerIdentity answer in LocalStack carries this account.
 * https://docs.localstack.cloud/aws/services/sts/ (get-caller-identity output) and every ARN in
 * https://docs.localstack.cloud/aws/services/ecs/.
 */
export const LOCALSTACK_ACCOUNT_ID = '000000000000';

/** GetCallerIdentity with LocalStack's default credentials: https://docs.localstack.cloud/aws/services/sts/ */
export const LOCALSTACK_CALLER = {
  UserId: 'AKIAIOSFODNN7EXAMPLE',
  Arn: `arn:aws:iam::${LOCALSTACK_ACCOUNT_ID}:root`,
};

/** `createdBy` of a service: the ECS page's create-service output (https://docs.localstack.cloud/aws/services/ecs/). */
export const LOCALSTACK_CREATED_BY = `arn:aws:iam::${LOCALSTACK_ACCOUNT_ID}:user/test`;

/**
 * The port LocalStack's gateway listens on inside its container (GATEWAY_LISTEN default
 * `:4566`, https://docs.localstack.cloud/aws/capabilities/config/configuration/#core). A request
 * that reaches the simulator's main port arrived, as LocalStack sees it, on this port — whatever
 * host port it was published on.
 */
export const LOCALSTACK_GATEWAY_PORT = 4566;

/**
 * An ALB's DNS name: its name under elb.localhost.localstack.cloud, with no id and no region
 * (`example-lb.elb.localhost.localstack.cloud`, https://docs.localstack.cloud/aws/services/elb/;
 * `lb-test-1.elb.localhost.localstack.cloud` in the describe-load-balancers output of
 * https://docs.localstack.cloud/aws/tutorials/elb-load-balancing/).
 */
export const LOCALSTACK_ELB_DOMAIN = 'elb.localhost.localstack.cloud';
export const localstackAlbDnsName = (name: string): string => `${name}.${LOCALSTACK_ELB_DOMAIN}`;

/**
 * ECS tasks are Docker containers on the Docker host ("By default, the ECS Fargate launch type
 * is assumed, i.e., the local Docker engine is used", https://docs.localstack.cloud/aws/services/ecs/),
 * their ports published there and reached at `localhost:<networkBindings[0].hostPort>`
 * (https://docs.localstack.cloud/aws/tutorials/ecs-ecr-container-app/). Here the Docker host is
 * this machine's loopback address.
 */
export const DOCKER_HOST_ADDRESS = '127.0.0.1';

/**
 * What Docker shows as the bind address of a `-p HOST:CONTAINER` publication (LocalStack runs
 * task containers with `-p`, localstack/localstack#4426's log). The simulator itself binds
 * DOCKER_HOST_ADDRESS only, as every server here stays on loopback.
 */
export const DOCKER_BIND_IP = '0.0.0.0';

/**
 * A service's task registered in its target group: LocalStack's documentation does not say how
 * (the configuration page says only that with ECS_TASK_EXECUTOR=kubernetes "Tasks are added to
 * ELB load balancer target groups"). Chosen: the closest documented target, the ELB page's
 * `register-targets --targets Id=127.0.0.1,Port=5678,AvailabilityZone=all` — the Docker host's
 * address and the container's published port (https://docs.localstack.cloud/aws/services/elb/).
 */
export const TASK_TARGET_AVAILABILITY_ZONE = 'all';
