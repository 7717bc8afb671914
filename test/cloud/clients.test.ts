/**
 * The SDK clients every target shares retry adaptively: the standard strategy plus the
 * client-side rate limiter that slows a throttled client down (many graders share one
 * account's buckets). Checked on the clients the suite really builds (no network here; against
 * the simulator's throttling: test/sim/realism-throttling-adaptive.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { createClients, SDK_MAX_ATTEMPTS, sdkConfig } from '../../helpers/cloud/clients.js';
import { profileAt, strategyOf } from '../support/profiles.js';

describe('SDK clients: adaptive retry', () => {
  it('every client of the suite (and the config handed to CloudFormation) retries in adaptive mode', async () => {
    const profile = profileAt('http://127.0.0.1:9');
    expect(sdkConfig(profile)).toMatchObject({ retryMode: 'adaptive', maxAttempts: SDK_MAX_ATTEMPTS });
    expect(SDK_MAX_ATTEMPTS).toBeGreaterThanOrEqual(3);
    const c = createClients(profile, 'verify');
    try {
      for (const [name, client] of Object.entries({ ecs: c.ecs, elb: c.elb, ec2: c.ec2, sts: c.sts })) {
        const s = await strategyOf(client);
        expect(s.mode, `${name} client's retry mode`).toBe('adaptive');
        expect(await s.maxAttemptsProvider?.(), `${name} client's max attempts`).toBe(SDK_MAX_ATTEMPTS);
      }
    } finally {
      c.destroy();
    }
  });
});
