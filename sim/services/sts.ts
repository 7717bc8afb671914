import type { ServiceHandlers } from '../context.js';
import { isLocalstack, LOCALSTACK_CALLER } from '../personas/localstack.js';

export const stsHandlers: ServiceHandlers = {
  GetCallerIdentity: (_p, ctx) =>
    isLocalstack(ctx)
      ? { ...LOCALSTACK_CALLER, Account: ctx.world.accountId }
      : {
          UserId: 'AIDASIMULATOR0000000',
          Account: ctx.world.accountId,
          Arn: `arn:aws:iam::${ctx.world.accountId}:user/ecs-alb-e2e-sim`,
        },
};
