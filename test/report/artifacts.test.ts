/**
 * The files that only ever run elsewhere (Docker Compose, GitHub Actions, CloudFormation, IAM)
 * checked here for what they must say, since no Docker engine or AWS account is available to
 * this project's own CI.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { APP_IMAGE, LOCALSTACK_IMAGE } from '../../fixtures/images.js';
import { baselineStackName } from '../../helpers/cloud/baseline-stack.js';

const root = new URL('../../', import.meta.url);
const text = (path: string) => readFileSync(new URL(path, root), 'utf8');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: any };

describe('docker-compose.yml', () => {
  const compose = parseYaml(text('docker-compose.yml')) as Obj;
  const localstack = compose.services?.localstack as Obj;

  it('runs the LocalStack image pinned in fixtures/images.ts', () => {
    expect(localstack.image).toBe(LOCALSTACK_IMAGE);
    expect(LOCALSTACK_IMAGE).not.toMatch(/:latest$/);
    expect(LOCALSTACK_IMAGE).toMatch(/^localstack\/localstack(-pro)?:\d{4}\.\d{1,2}\.\d+$/);
  });

  it('refuses to start without LOCALSTACK_AUTH_TOKEN, saying why and that the sim needs none', () => {
    const token = localstack.environment.LOCALSTACK_AUTH_TOKEN as string;
    expect(token).toMatch(/^\$\{LOCALSTACK_AUTH_TOKEN:\?[^}]+\}$/);
    expect(token).toContain('paid LocalStack tier');
    expect(token).toContain('E2E_TARGET=sim');
  });

  it("has the gateway listen on the ALB listener's port 80 as well as 4566 (GATEWAY_LISTEN)", () => {
    expect(String(localstack.environment.GATEWAY_LISTEN).split(',').map((p) => p.trim())).toEqual(expect.arrayContaining([':4566', ':80']));
  });

  it('mounts the Docker socket (ECS tasks are containers)', () => {
    expect(localstack.volumes).toContain('/var/run/docker.sock:/var/run/docker.sock');
  });

  it('binds the gateway and the service port range to 127.0.0.1 only', () => {
    const ports = localstack.ports as string[];
    expect(ports).toContain('127.0.0.1:4566:4566');
    expect(ports).toContain('127.0.0.1:4510-4559:4510-4559');
    for (const port of ports) expect(port).toMatch(/^127\.0\.0\.1:/);
  });

  it('leaves SERVICES unset or lists at least what the baseline and the module need', () => {
    const services = localstack.environment.SERVICES as string | undefined;
    if (services === undefined) return;
    const listed = services.split(',');
    for (const needed of ['ec2', 'ecs', 'elbv2', 'sts', 'cloudformation', 'iam', 'ssm', 'autoscaling']) expect(listed).toContain(needed);
  });
});

describe('.github/workflows/nightly.yml', () => {
  const workflow = parseYaml(text('.github/workflows/nightly.yml')) as Obj;
  const jobs = workflow.jobs as Obj;
  const steps = (job: Obj) => job.steps as Obj[];
  const runs = (job: Obj) => steps(job).map((s) => s.run as string | undefined);

  it('runs nightly and on demand', () => {
    expect(workflow.on.schedule[0].cron).toMatch(/^\S+ \S+ \* \* \*$/);
    expect(workflow.on).toHaveProperty('workflow_dispatch');
  });

  it('runs against AWS with an OIDC-assumed role over a region matrix', () => {
    const aws = jobs.aws as Obj;
    expect(aws.permissions).toEqual({ 'id-token': 'write', contents: 'read' });
    expect(aws.strategy.matrix.region.length).toBeGreaterThanOrEqual(2);
    expect(aws.strategy.matrix.region).toEqual(expect.arrayContaining(['us-east-1', 'eu-west-1']));
    const credentials = steps(aws).find((s) => String(s.uses).startsWith('aws-actions/configure-aws-credentials@'));
    expect(credentials?.with['role-to-assume']).toMatch(/\$\{\{ .*AWS_E2E_ROLE_ARN.* \}\}/);
    expect(credentials?.with['aws-region']).toBe('${{ matrix.region }}');
    expect(aws.env).toMatchObject({
      E2E_TARGET: 'aws',
      E2E_MODE: 'provision',
      E2E_ALLOW_PROVISION: '1',
      E2E_REGION: '${{ matrix.region }}',
    });
  });

  it("installs with npm ci, runs the suite, then always sweeps this run's and older runs' leftovers", () => {
    const aws = jobs.aws as Obj;
    const commands = runs(aws);
    const install = commands.indexOf('npm ci');
    const suite = commands.indexOf('npm run e2e');
    expect(install).toBeGreaterThanOrEqual(0);
    expect(suite).toBeGreaterThan(install);
    const sweeps = steps(aws)
      .map((step, index) => ({ step, index }))
      .filter(({ step }) => String(step.run ?? '').startsWith('npm run sweep'));
    expect(sweeps.map(({ step }) => step.run)).toEqual([
      'npm run sweep -- --target aws --region ${{ matrix.region }} --run-id "$E2E_RUN_ID"',
      'npm run sweep -- --target aws --region ${{ matrix.region }} --older-than 6h',
    ]);
    for (const { step, index } of sweeps) {
      expect(index).toBeGreaterThan(suite);
      expect(step.if).toBe('always()');
    }
    expect(aws.env.E2E_RUN_ID).toMatch(/^gh-\$\{\{ github\.run_id \}\}/);
  });

  it('uploads reports/ from every job, also after a failure', () => {
    for (const name of ['aws', 'localstack']) {
      const upload = steps(jobs[name]).find((s) => String(s.uses).startsWith('actions/upload-artifact@'));
      expect(upload?.with.path, name).toBe('reports/');
      expect(upload?.if, name).toBe('always()');
    }
  });

  it('runs against LocalStack only when the token secret exists, without reading secrets in a job-level if', () => {
    const localstack = jobs.localstack as Obj;
    expect(localstack.env.E2E_TARGET).toBe('localstack');
    expect(localstack.env.LOCALSTACK_AUTH_TOKEN).toBe('${{ secrets.LOCALSTACK_AUTH_TOKEN }}');
    expect(runs(localstack)).toContain('npm run e2e');
    const gate = String(([] as string[]).concat(localstack.needs)[0]);
    expect(localstack.if).toMatch(new RegExp(`needs\\.${gate}\\.outputs\\.\\w+ == 'true'`));
    const check = jobs[gate] as Obj;
    expect(JSON.stringify(check.steps)).toContain('secrets.LOCALSTACK_AUTH_TOKEN');
    // GitHub rejects `secrets` in jobs.<id>.if.
    for (const job of Object.values(jobs) as Obj[]) expect(String(job.if ?? '')).not.toContain('secrets.');
  });
});

describe('fixtures/baseline.cfn.json', () => {
  const template = JSON.parse(text('fixtures/baseline.cfn.json')) as Obj;
  const resources = template.Resources as Obj;
  const parameters = template.Parameters as Obj;
  const PSEUDO = ['AWS::AccountId', 'AWS::NotificationARNs', 'AWS::NoValue', 'AWS::Partition', 'AWS::Region', 'AWS::StackId', 'AWS::StackName', 'AWS::URLSuffix'];

  /** Every name a Ref, Fn::GetAtt, Fn::Sub or DependsOn points at, with where it is. */
  function references(node: Json, path = ''): { name: string; kind: 'Ref' | 'GetAtt' | 'Sub' | 'DependsOn'; path: string }[] {
    if (Array.isArray(node)) return node.flatMap((child, i) => references(child, `${path}[${i}]`));
    if (node === null || typeof node !== 'object') return [];
    const found: ReturnType<typeof references> = [];
    for (const [key, value] of Object.entries(node)) {
      const at = `${path}.${key}`;
      if (key === 'Ref' && typeof value === 'string') found.push({ name: value, kind: 'Ref', path: at });
      else if (key === 'Fn::GetAtt') {
        const target = (Array.isArray(value) ? String(value[0]) : String(value)).split('.')[0] ?? '';
        found.push({ name: target, kind: 'GetAtt', path: at });
      } else if (key === 'Fn::Sub') {
        const [body, variables] = Array.isArray(value) ? [String(value[0]), (value[1] ?? {}) as Obj] : [String(value), {}];
        for (const match of body.matchAll(/\$\{(?!!)([^}]+)\}/g)) {
          const expression = match[1] ?? '';
          const name = expression.split('.')[0] ?? '';
          if (!(name in variables)) found.push({ name, kind: expression.includes('.') ? 'GetAtt' : 'Sub', path: at });
        }
        if (Array.isArray(value)) found.push(...references(value[1] as Json, at));
        continue;
      } else if (key === 'DependsOn') {
        for (const name of ([] as Json[]).concat(value)) found.push({ name: String(name), kind: 'DependsOn', path: at });
      }
      found.push(...references(value as Json, at));
    }
    return found;
  }

  function dangling(t: Obj) {
    return references(t as Json).filter(({ name, kind }) => {
      if (kind === 'GetAtt' || kind === 'DependsOn') return !(name in (t.Resources ?? {}));
      return !(name in (t.Parameters ?? {})) && !(name in (t.Resources ?? {})) && !PSEUDO.includes(name);
    });
  }

  it('parses, and every Ref, Fn::GetAtt, Fn::Sub ${…} and DependsOn resolves', () => {
    const refs = references(template as Json);
    expect(refs.length).toBeGreaterThan(20);
    expect(refs.some((r) => r.kind === 'Sub')).toBe(true);
    expect(refs.some((r) => r.kind === 'GetAtt')).toBe(true);
    expect(dangling(template)).toEqual([]);
  });

  it('the reference check itself catches a dangling name', () => {
    const broken = structuredClone(template);
    broken.Resources.Cluster.Properties.ClusterName = { 'Fn::Sub': '${Nickame}_ecs_cluster' };
    broken.Outputs.VpcId.Value = { 'Fn::GetAtt': ['Vpcc', 'VpcId'] };
    expect(dangling(broken).map((d) => d.name).sort()).toEqual(['Nickame', 'Vpcc']);
  });

  it('builds a VPC 50.0.0.0/16 with 3 public subnets in 3 different AZs, routed to an internet gateway', () => {
    expect(resources.Vpc.Properties.CidrBlock).toBe('50.0.0.0/16');
    const subnets = Object.values(resources).filter((r: Obj) => r.Type === 'AWS::EC2::Subnet') as Obj[];
    expect(subnets.map((s) => s.Properties.CidrBlock)).toEqual(['50.0.0.0/24', '50.0.1.0/24', '50.0.2.0/24']);
    expect(subnets.map((s) => s.Properties.AvailabilityZone)).toEqual([0, 1, 2].map((i) => ({ 'Fn::Select': [i, { 'Fn::GetAZs': '' }] })));
    for (const subnet of subnets) expect(subnet.Properties.MapPublicIpOnLaunch).toBe(true);
    expect(resources.DefaultRoute.Properties).toMatchObject({ DestinationCidrBlock: '0.0.0.0/0', GatewayId: { Ref: 'InternetGateway' } });
    const associations = Object.values(resources).filter((r: Obj) => r.Type === 'AWS::EC2::SubnetRouteTableAssociation') as Obj[];
    expect(associations.map((a) => a.Properties.SubnetId.Ref).sort()).toEqual(['Subnet0', 'Subnet1', 'Subnet2']);
  });

  it('opens the instance security group to All TCP (tcp 0–65535) from 0.0.0.0/0, and nothing else', () => {
    const ingress = resources.InstanceSecurityGroup.Properties.SecurityGroupIngress as Obj[];
    expect(ingress).toHaveLength(1);
    expect(ingress[0]).toMatchObject({ IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, CidrIp: '0.0.0.0/0' });
  });

  it('names the cluster, family and old service after the nickname as the workshop does', () => {
    expect(resources.Cluster.Properties.ClusterName).toEqual({ 'Fn::Sub': '${Nickname}_ecs_cluster' });
    expect(resources.TaskDefinition.Properties.Family).toEqual({ 'Fn::Sub': '${Nickname}_app_service' });
    expect(resources.OldService.Properties.ServiceName).toEqual({ 'Fn::Sub': '${Nickname}_app_service' });
  });

  it('runs 4 t3.micro ECS-optimised instances over the 3 subnets that join the cluster', () => {
    const asg = resources.AutoScalingGroup.Properties;
    expect(asg.DesiredCapacity).toBe('4');
    expect(Number(asg.MinSize)).toBeLessThanOrEqual(4);
    expect(Number(asg.MaxSize)).toBeGreaterThanOrEqual(4);
    expect(asg.VPCZoneIdentifier).toEqual([{ Ref: 'Subnet0' }, { Ref: 'Subnet1' }, { Ref: 'Subnet2' }]);
    expect(parameters.InstanceType.Default).toBe('t3.micro');
    expect(parameters.AmiId).toMatchObject({
      Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>',
      Default: '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id',
    });
    const data = resources.LaunchTemplate.Properties.LaunchTemplateData;
    expect(data.ImageId).toEqual({ Ref: 'AmiId' });
    expect(data.IamInstanceProfile).toEqual({ Arn: { 'Fn::GetAtt': ['InstanceProfile', 'Arn'] } });
    const userData = data.UserData['Fn::Base64']['Fn::Sub'] as string;
    expect(userData).toMatch(/^#!\/bin\/bash\n/);
    expect(userData).toContain('ECS_CLUSTER=${Cluster} >> /etc/ecs/ecs.config');
    expect(resources.InstanceRole.Properties.ManagedPolicyArns[0]['Fn::Sub']).toMatch(/:policy\/service-role\/AmazonEC2ContainerServiceforEC2Role$/);
    expect(resources.InstanceProfile.Properties.Roles).toEqual([{ Ref: 'InstanceRole' }]);
  });

  it('tags the instances the auto-scaling group launches with the run id', () => {
    const specs = resources.LaunchTemplate.Properties.LaunchTemplateData.TagSpecifications as Obj[];
    const instance = specs.find((s) => s.ResourceType === 'instance');
    expect(instance?.Tags).toContainEqual({ Key: 'e2e:run', Value: { Ref: 'RunId' } });
  });

  it('defines the task: container app, memory 256, host port 0 (dynamic) → container 8080/tcp, the configurable app image', () => {
    const task = resources.TaskDefinition.Properties;
    expect(task.NetworkMode).toBe('bridge');
    expect(task.ContainerDefinitions).toHaveLength(1);
    const [app] = task.ContainerDefinitions;
    expect(app).toMatchObject({ Name: 'app', Memory: 256, Image: { Ref: 'AppImage' } });
    expect(app.PortMappings).toEqual([{ HostPort: 0, ContainerPort: 8080, Protocol: 'tcp' }]);
  });

  it("keeps AppImage's default equal to fixtures/images.ts APP_IMAGE", () => {
    expect(parameters.AppImage.Default).toBe(APP_IMAGE);
  });

  it('runs the old service on EC2 with 4 tasks and no load balancer', () => {
    const service = resources.OldService.Properties;
    expect(service).toMatchObject({ LaunchType: 'EC2', DesiredCount: 4, TaskDefinition: { Ref: 'TaskDefinition' }, Cluster: { Ref: 'Cluster' } });
    expect(service.LoadBalancers).toBeUndefined();
  });

  it('outputs what provisioning reads', () => {
    expect(Object.keys(template.Outputs).sort()).toEqual(['ClusterName', 'InstanceSecurityGroupId', 'OldServiceName', 'VpcId']);
  });
});

describe('fixtures/iam/provisioner.json', () => {
  const policy = JSON.parse(text('fixtures/iam/provisioner.json')) as Obj;
  const statements = policy.Statement as Obj[];
  const list = (value: string | string[]) => ([] as string[]).concat(value);
  const allowed = (action: string) => statements.some((s) => s.Effect === 'Allow' && list(s.Action).includes(action));

  it('is a valid identity policy document', () => {
    expect(policy.Version).toBe('2012-10-17');
    expect(statements.length).toBeGreaterThan(0);
    const sids = statements.map((s) => s.Sid);
    expect(new Set(sids).size).toBe(sids.length);
    for (const statement of statements) {
      expect(Object.keys(statement).every((k) => ['Sid', 'Effect', 'Action', 'Resource', 'Condition'].includes(k)), statement.Sid).toBe(true);
      expect(['Allow', 'Deny']).toContain(statement.Effect);
      expect(list(statement.Action).length).toBeGreaterThan(0);
      for (const action of list(statement.Action)) expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z*]+$/);
      for (const resource of list(statement.Resource)) expect(resource === '*' || resource.startsWith('arn:aws:'), resource).toBe(true);
      expect(statement.Sid).toMatch(/^[A-Za-z0-9]+$/);
    }
    expect(JSON.stringify(policy).length).toBeLessThan(6_144); // managed policy size limit
  });

  it('allows what the baseline stack and the module steps do', () => {
    for (const action of [
      'sts:GetCallerIdentity',
      'cloudformation:CreateStack',
      'cloudformation:DeleteStack',
      'cloudformation:DescribeStacks',
      'cloudformation:DescribeStackEvents',
      'ssm:GetParameters',
      'ec2:CreateVpc',
      'ec2:CreateSecurityGroup',
      'ec2:AuthorizeSecurityGroupIngress',
      'ec2:RevokeSecurityGroupIngress',
      'ec2:CreateLaunchTemplate',
      'ec2:RunInstances',
      'autoscaling:CreateAutoScalingGroup',
      'ecs:CreateCluster',
      'ecs:RegisterTaskDefinition',
      'ecs:CreateService',
      'ecs:UpdateService',
      'ecs:DeleteService',
      'elasticloadbalancing:CreateLoadBalancer',
      'elasticloadbalancing:CreateTargetGroup',
      'elasticloadbalancing:CreateListener',
      'elasticloadbalancing:AddTags',
      'iam:CreateRole',
      'iam:CreateInstanceProfile',
      'iam:PassRole',
    ]) {
      expect(allowed(action), action).toBe(true);
    }
  });

  it('covers every service the baseline template creates resources in', () => {
    const template = JSON.parse(text('fixtures/baseline.cfn.json')) as Obj;
    const prefixes = new Set(statements.flatMap((s) => list(s.Action).map((a) => a.split(':')[0])));
    const iamService: Record<string, string> = { EC2: 'ec2', ECS: 'ecs', IAM: 'iam', AutoScaling: 'autoscaling' };
    for (const resource of Object.values(template.Resources) as Obj[]) {
      const service = iamService[resource.Type.split('::')[1]];
      expect(service, resource.Type).toBeDefined();
      expect(prefixes.has(service), resource.Type).toBe(true);
    }
  });

  it('scopes PassRole to the baseline stack roles, passed to EC2 only', () => {
    const passRole = statements.filter((s) => list(s.Action).includes('iam:PassRole'));
    expect(passRole).toHaveLength(1);
    const [statement] = passRole as [Obj];
    const prefix = baselineStackName('nick', 'run').split('nick')[0];
    expect(list(statement.Resource)).toEqual([`arn:aws:iam::*:role/${prefix}*`]);
    expect(statement.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } });
  });

  it('scopes the stack operations to the baseline stacks', () => {
    const create = statements.find((s) => list(s.Action).includes('cloudformation:CreateStack'));
    const prefix = baselineStackName('nick', 'run').split('nick')[0];
    expect(list(create!.Resource)).toEqual([`arn:aws:cloudformation:*:*:stack/${prefix}*/*`]);
  });
});
