import type { ServiceHandlers } from '../context.js';

export const stsHandlers: ServiceHandlers = {
  GetCallerIdentity: (_p, ctx) => ({
    UserId: 'AIDASIMULATOR0000000',
    Account: ctx.world.accountId,
    Arn: `arn:aws:iam::${ctx.world.accountId}:user/ecs-alb-e2e-sim`,
  }),
};
