import { randomBytes, randomUUID } from 'node:crypto';

export const hex = (chars: number): string => randomBytes(Math.ceil(chars / 2)).toString('hex').slice(0, chars);

/** EC2-style ids: vpc-0a1b…, sg-…, i-… (17 hex, as current AWS ids). */
export const ec2Id = (prefix: string): string => `${prefix}-${hex(17)}`;

export const requestId = (): string => randomUUID();
