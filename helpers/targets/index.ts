/** The targets, by name: the one place that lists them. A new target is one new module here. */
import type { Config, TargetName } from '../core/config.js';
import { awsTarget } from './aws.js';
import { localstackTarget } from './localstack.js';
import type { Target, TargetProfile } from './profile.js';
import { simTarget } from './sim.js';

export type { AlbAddress, Capabilities, StartedTarget, Target, TargetProfile, Timing } from './profile.js';

const TARGETS: Record<TargetName, Target> = { sim: simTarget, localstack: localstackTarget, aws: awsTarget };

export function targetOf(config: Pick<Config, 'target'>): Target {
  return TARGETS[config.target];
}

export function profileFor(config: Config, endpoint = config.endpoint): TargetProfile {
  return targetOf(config).profile(config, endpoint);
}
