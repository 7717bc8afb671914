/**
 * The grader's IAM: the read-only policy covers every read the suite can make, holds nothing
 * else, and the CloudFormation role a participant deploys carries exactly that policy behind
 * an external id. (The grading test also checks the calls of real verify runs against it.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
const readJson = (...p: string[]) => JSON.parse(readFileSync(join(root, ...p), 'utf8'));
const policy = readJson('fixtures', 'iam', 'grader-readonly.json') as { Version: string; Statement: Array<{ Effect: string; Action: string[]; Resource: string }> };
const template = readJson('fixtures', 'iam', 'grader-role.cfn.json');
const policyActions = policy.Statement.flatMap((s) => s.Action);

const IAM_PREFIX: Record<string, string> = {
  '@aws-sdk/client-ecs': 'ecs',
  '@aws-sdk/client-ec2': 'ec2',
  '@aws-sdk/client-elastic-load-balancing-v2': 'elasticloadbalancing',
  '@aws-sdk/client-sts': 'sts',
};

/** Read-only SDK operations (commands and paginators) the suite's helpers and specs import. */
function readOperationsInSource(): Set<string> {
  const found = new Set<string>();
  for (const dir of ['helpers', 'specs']) {
    for (const file of readdirSync(join(root, dir)).filter((f) => f.endsWith('.ts'))) {
      const source = readFileSync(join(root, dir, file), 'utf8');
      for (const m of source.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'(@aws-sdk\/client-[a-z0-9-]+)'/g)) {
        const prefix = IAM_PREFIX[m[2]!];
        if (!prefix) continue;
        for (const name of m[1]!.split(',').map((n) => n.trim().replace(/^type\s+/, ''))) {
          const op = /^(?:paginate([A-Z]\w+)|([A-Z]\w+)Command)$/.exec(name);
          const action = op?.[1] ?? op?.[2];
          if (action && /^(Describe|List|Get)[A-Z]/.test(action)) found.add(`${prefix}:${action}`);
        }
      }
    }
  }
  return found;
}

describe('grader IAM', () => {
  it('the read-only policy allows every Describe/List/Get the suite imports', () => {
    const used = readOperationsInSource();
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((a) => !policyActions.includes(a))).toEqual([]);
  });

  it('allows nothing but Describe/List/Get, with no wildcard actions', () => {
    expect(policy.Version).toBe('2012-10-17');
    for (const s of policy.Statement) expect(s.Effect).toBe('Allow');
    for (const a of policyActions) expect(a).toMatch(/^(ecs|ec2|elasticloadbalancing|sts):(Describe|List|Get)[A-Za-z]+$/);
    expect(new Set(policyActions).size).toBe(policyActions.length);
  });

  it('the CloudFormation role trusts the grader account with an external id and carries exactly that policy', () => {
    expect(Object.keys(template.Parameters)).toEqual(expect.arrayContaining(['GraderAccountId', 'ExternalId']));
    const role = template.Resources.GraderRole;
    expect(role.Type).toBe('AWS::IAM::Role');
    const [trust] = role.Properties.AssumeRolePolicyDocument.Statement;
    expect(trust.Action).toBe('sts:AssumeRole');
    expect(trust.Principal.AWS['Fn::Sub']).toContain('${GraderAccountId}');
    expect(trust.Condition.StringEquals['sts:ExternalId']).toEqual({ Ref: 'ExternalId' });
    expect(role.Properties.Policies).toHaveLength(1);
    expect(role.Properties.Policies[0].PolicyDocument).toEqual(policy);
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(template.Outputs.RoleArn.Value).toEqual({ 'Fn::GetAtt': ['GraderRole', 'Arn'] });
  });
});
