#!/usr/bin/env bash
# The script a user would write instead of the suite: Module 04 with the AWS CLI, its waiters
# and curl — the same steps, the same checks (each step's result, traffic spread over 3 tasks,
# the old service gone, the lockdown: ALB still answers, a task's direct address does not),
# and removing what it created, as `ecs-alb-e2e run` does. bench/cli-script.ts times it against
# the same simulator build in the same bench run.
#
# Waiters poll at their documented delays, not at ours: "It will poll every 15 seconds until a
# successful state has been reached" — aws elbv2 wait load-balancer-available, target-in-service
# and load-balancers-deleted (https://docs.aws.amazon.com/cli/latest/reference/elbv2/wait/load-balancer-available.html),
# aws ecs wait services-stable and services-inactive
# (https://docs.aws.amazon.com/cli/latest/reference/ecs/wait/services-stable.html). Each waiter
# asks once at once, then every 15 s (botocore's waiters-2.json: delay 15, maxAttempts 40).
#
# Usage: ENDPOINT=http://127.0.0.1:4566 NICK=nick bench/cli-script.sh   (prints one line per step)
set -euo pipefail

: "${ENDPOINT:?ENDPOINT=<simulator endpoint>}"
NICK=${NICK:-nick}
CLUSTER=${NICK}_ecs_cluster FAMILY=${NICK}_app_service OLD=${NICK}_app_service
TG=${NICK}-ecs-tg ALB=${NICK}-ecs-alb ALB_SG=${NICK}-ecs-alb-sg SERVICE=${NICK}-ecs-app-alb

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=''
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
aws() { command aws --endpoint-url "$ENDPOINT" --output text "$@"; }
START=$(date +%s%N)
step() { echo "$(( ($(date +%s%N) - START) / 1000000 )) ms: $*"; }
fail() { echo "FAILED: $*" >&2; exit 1; }

# ── before: the cluster's instances, their VPC, subnets and security group; the container on 8080
INSTANCES=$(aws ecs describe-container-instances --cluster "$CLUSTER" \
  --container-instances $(aws ecs list-container-instances --cluster "$CLUSTER" --query 'containerInstanceArns[]') \
  --query 'containerInstances[].ec2InstanceId')
read -r VPC <<< "$(aws ec2 describe-instances --instance-ids $INSTANCES --query 'Reservations[0].Instances[0].VpcId')"
SUBNETS=$(aws ec2 describe-instances --instance-ids $INSTANCES --query 'Reservations[].Instances[].SubnetId' | tr '\t' '\n' | sort -u | tr '\n' ' ')
[ "$(wc -w <<< "$SUBNETS")" -ge 3 ] || fail "instances in fewer than 3 subnets: $SUBNETS"
INSTANCE_SG=$(aws ec2 describe-instances --instance-ids $INSTANCES --query 'Reservations[].Instances[].SecurityGroups[].GroupId' | tr '\t' '\n' | sort -u)
[ "$(wc -w <<< "$INSTANCE_SG")" -eq 1 ] || fail "instances share no single security group: $INSTANCE_SG"
TASKDEF=$(aws ecs describe-task-definition --task-definition "$FAMILY" --query 'taskDefinition.taskDefinitionArn')
CONTAINER=$(aws ecs describe-task-definition --task-definition "$FAMILY" --query 'taskDefinition.containerDefinitions[?portMappings[?containerPort==`8080` && hostPort==`0`]].name | [0]')
[ -n "$CONTAINER" ] && [ "$CONTAINER" != None ] || fail "no container maps 8080 on a dynamic host port in $TASKDEF"
step "found cluster $CLUSTER: vpc $VPC, subnets $SUBNETS, group $INSTANCE_SG, container $CONTAINER"

# ── 1: target group
TG_ARN=$(aws elbv2 create-target-group --name "$TG" --target-type instance --protocol HTTP --port 8080 --vpc-id "$VPC" \
  --healthy-threshold-count 3 --health-check-interval-seconds 6 --query 'TargetGroups[0].TargetGroupArn')
step "target group $TG_ARN"

# ── 2: the ALB's group (80 from anywhere, IPv4 and IPv6), the ALB, its listener
ALB_SG_ID=$(aws ec2 create-security-group --group-name "$ALB_SG" --description 'ALB for Module 04' --vpc-id "$VPC" --query GroupId)
aws ec2 authorize-security-group-ingress --group-id "$ALB_SG_ID" \
  --ip-permissions 'IpProtocol=tcp,FromPort=80,ToPort=80,IpRanges=[{CidrIp=0.0.0.0/0}],Ipv6Ranges=[{CidrIpv6=::/0}]' > /dev/null
read -r ALB_ARN ALB_DNS <<< "$(aws elbv2 create-load-balancer --name "$ALB" --subnets $SUBNETS --security-groups "$ALB_SG_ID" \
  --scheme internet-facing --type application --query 'LoadBalancers[0].[LoadBalancerArn,DNSName]')"
aws elbv2 create-listener --load-balancer-arn "$ALB_ARN" --protocol HTTP --port 80 \
  --default-actions "Type=forward,TargetGroupArn=$TG_ARN" > /dev/null
aws elbv2 wait load-balancer-available --load-balancer-arns "$ALB_ARN"
step "load balancer $ALB_DNS active"

# ── 3: the service behind it, 3 tasks, healthy
aws ecs create-service --cluster "$CLUSTER" --service-name "$SERVICE" --task-definition "$TASKDEF" --desired-count 3 \
  --launch-type EC2 --load-balancers "targetGroupArn=$TG_ARN,containerName=$CONTAINER,containerPort=8080" > /dev/null
aws ecs wait services-stable --cluster "$CLUSTER" --services "$SERVICE"
aws elbv2 wait target-in-service --target-group-arn "$TG_ARN"
HEALTHY=$(aws elbv2 describe-target-health --target-group-arn "$TG_ARN" --query 'length(TargetHealthDescriptions[?TargetHealth.State==`healthy`])')
[ "$HEALTHY" -eq 3 ] || fail "target group $TG: $HEALTHY healthy targets, expected 3"
step "service $SERVICE: 3 tasks, 3 healthy targets"

# ── 4: traffic through the ALB reaches all 3 tasks (the simulator's gateway serves the ALB by Host)
spread() {
  local answers
  answers=$(for _ in $(seq 1 "$1"); do curl -s --max-time 2 -H "Host: $ALB_DNS" "$ENDPOINT/"; echo; done)
  [ "$(grep -c '^Hello from ' <<< "$answers")" -eq "$1" ] || fail "$2: not every answer was 'Hello from …': $(grep -v '^Hello from ' <<< "$answers" | head -3)"
  [ "$(sort -u <<< "$answers" | wc -l)" -eq 3 ] || fail "$2: answers from $(sort -u <<< "$answers" | wc -l) tasks, expected 3"
}
spread 30 "http://$ALB_DNS/"
step "30 requests through the ALB: 3 tasks answered"

# ── 5: the old service scaled to 0 and deleted
aws ecs update-service --cluster "$CLUSTER" --service "$OLD" --desired-count 0 > /dev/null
aws ecs wait services-stable --cluster "$CLUSTER" --services "$OLD"
aws ecs delete-service --cluster "$CLUSTER" --service "$OLD" > /dev/null
aws ecs wait services-inactive --cluster "$CLUSTER" --services "$OLD"
step "old service $OLD deleted"

# ── 6: the lockdown — instances admit all TCP from the ALB's group only
TASKS=$(aws ecs describe-tasks --cluster "$CLUSTER" --tasks $(aws ecs list-tasks --cluster "$CLUSTER" --service-name "$SERVICE" --query 'taskArns[]') \
  --query 'tasks[].[containerInstanceArn,containers[0].networkBindings[0].hostPort]')
DIRECT=$(while read -r ci port; do
  instance=$(aws ecs describe-container-instances --cluster "$CLUSTER" --container-instances "$ci" --query 'containerInstances[0].ec2InstanceId')
  echo "$(aws ec2 describe-instances --instance-ids "$instance" --query 'Reservations[0].Instances[0].PublicIpAddress') $port"
done <<< "$TASKS")
probe_direct() { # every task's instance IP : host port; $1 = the curl exit code expected (0 answered, 28 no answer in 1 s)
  while read -r ip port; do
    local code=0
    curl -s -o /dev/null --max-time 1 "http://$ip:$port/" || code=$?
    [ "$code" -eq "$1" ] || fail "task at $ip:$port: curl exit $code, expected $1"
  done <<< "$DIRECT"
}
probe_direct 0
RULES=$(aws ec2 describe-security-group-rules --filters "Name=group-id,Values=$INSTANCE_SG" --query 'SecurityGroupRules[?!IsEgress].SecurityGroupRuleId')
aws ec2 revoke-security-group-ingress --group-id "$INSTANCE_SG" --security-group-rule-ids $RULES > /dev/null
aws ec2 authorize-security-group-ingress --group-id "$INSTANCE_SG" \
  --ip-permissions "IpProtocol=tcp,FromPort=0,ToPort=65535,UserIdGroupPairs=[{GroupId=$ALB_SG_ID}]" > /dev/null
spread 15 "http://$ALB_DNS/ after the lockdown"
probe_direct 28
step "lockdown: the ALB answers from 3 tasks, no task answers directly"

# ── after: remove what the script created (the suite's teardown does the same)
aws ecs update-service --cluster "$CLUSTER" --service "$SERVICE" --desired-count 0 > /dev/null
aws ecs delete-service --cluster "$CLUSTER" --service "$SERVICE" > /dev/null
aws ecs wait services-inactive --cluster "$CLUSTER" --services "$SERVICE"
aws elbv2 delete-load-balancer --load-balancer-arn "$ALB_ARN"
aws elbv2 wait load-balancers-deleted --load-balancer-arns "$ALB_ARN"
aws elbv2 delete-target-group --target-group-arn "$TG_ARN"
aws ec2 revoke-security-group-ingress --group-id "$INSTANCE_SG" \
  --ip-permissions "IpProtocol=tcp,FromPort=0,ToPort=65535,UserIdGroupPairs=[{GroupId=$ALB_SG_ID}]" > /dev/null
aws ec2 delete-security-group --group-id "$ALB_SG_ID" > /dev/null
step "removed service, load balancer, target group, group $ALB_SG_ID"
