#!/usr/bin/env bash
# make demo: the seed program (examples/seed) through the real Pulumi CLI with awsml
# standing in for pulumi-aws, against a moto server that checks signatures:
#   build (make deps, tools, all) -> upload the pipeline definition to moto's S3 ->
#   pulumi preview --diff -> pulumi up -> stack outputs (checked against moto) -> destroy;
# then examples/secure-pipeline from moto's empty account: preview (the security advisor
# must report nothing) -> up -> a second up that must change nothing -> the resources
# checked in moto -> destroy (nothing left behind).
# Exits non-zero, with a line saying which step failed, when any step fails; the
# stack is destroyed and removed either way.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SEED="$ROOT/examples/seed"
SECURE="$ROOT/examples/secure-pipeline"
STACK=demo
BUCKET=my-model-artifacts-bucket
OBJECT=my-pipeline-definition.json
PIPELINE=MyModelTrainingPipeline

step() { printf '\n==> %s\n' "$*"; }
fail() { printf '\ndemo: FAILED at %s\n' "$*" >&2; exit 1; }

if [ "${1:-}" != --inner ]; then
  cd "$ROOT"
  step "build: make deps, make tools, make all"
  make --no-print-directory deps
  make --no-print-directory tools
  make --no-print-directory all
  # pulumi-aws's plugin name, pointing at our binary: Pulumi.yaml's plugins.providers
  # entry for `aws` names this folder.
  mkdir -p build/seed-plugins
  ln -sfn "$ROOT/bin/pulumi-resource-awsml" build/seed-plugins/pulumi-resource-aws
  exec "$ROOT/scripts/with-moto" bash "$ROOT/scripts/demo.sh" --inner
fi

# ---- inside with-moto ------------------------------------------------------------
[ -n "${AWSML_WITH_MOTO:-}" ] || { echo "demo.sh --inner runs under scripts/with-moto" >&2; exit 2; }
cd "$SEED"

# The project being run: the clean-up destroys and removes its stack.
PROJ="$SEED"
stack_made=0
cleanup() {
  local rc=$?
  trap - EXIT
  if [ "$stack_made" = 1 ]; then
    if [ -n "$(pulumi stack export 2>/dev/null | python -c 'import json,sys; rs=json.load(sys.stdin).get("deployment",{}).get("resources") or []; print("x" if any(not r["type"].startswith("pulumi:") for r in rs) else "")' 2>/dev/null)" ]; then
      step "clean-up: pulumi destroy (after a failure)"
      pulumi destroy --yes --skip-preview --non-interactive || echo "demo: the clean-up destroy failed too" >&2
    fi
    pulumi stack rm --yes --force "$STACK" >/dev/null 2>&1 || true
  fi
  rm -f "$PROJ/Pulumi.$STACK.yaml"
  if [ "$rc" = 0 ]; then printf '\ndemo: OK\n'; fi
  exit "$rc"
}
trap cleanup EXIT

step "upload s3://$BUCKET/$OBJECT (the pipeline definition the seed program points at)"
python - "$BUCKET" "$OBJECT" "$SEED/$OBJECT" <<'EOF' || fail "the upload to moto's S3"
import sys, boto3
bucket, key, path = sys.argv[1:]
s3 = boto3.client("s3")
s3.create_bucket(Bucket=bucket)
s3.upload_file(path, bucket, key)
head = s3.head_object(Bucket=bucket, Key=key)
print(f"uploaded {head['ContentLength']} bytes to s3://{bucket}/{key}")
EOF

pulumi stack init "$STACK" --non-interactive
stack_made=1

step "pulumi preview --diff"
pulumi preview --diff || fail "'pulumi preview --diff' (exit $?): the plugin could not plan the seed program; its errors are above"

step "pulumi up --yes"
pulumi up --yes --skip-preview || fail "'pulumi up' (exit $?): the seed program's resources were not all created; the errors are above"

step "stack outputs"
pulumi stack output --json | tee "${TMPDIR:-/tmp}/awsml-demo-outputs.$$.json"
arn=$(python -c 'import json,sys; print(json.load(open(sys.argv[1]))["sagemaker_pipeline_arn"])' \
      "${TMPDIR:-/tmp}/awsml-demo-outputs.$$.json") || fail "reading the output sagemaker_pipeline_arn"
rm -f "${TMPDIR:-/tmp}/awsml-demo-outputs.$$.json"

step "check in moto: pipeline $PIPELINE"
python - "$PIPELINE" "$arn" <<'EOF' || fail "the check of the created pipeline in moto"
import sys, boto3
name, arn = sys.argv[1:]
p = boto3.client("sagemaker").describe_pipeline(PipelineName=name)
assert p["PipelineArn"] == arn, (p["PipelineArn"], arn)
role = p["RoleArn"].rsplit("/", 1)[-1]
attached = boto3.client("iam").list_attached_role_policies(RoleName=role)["AttachedPolicies"]
assert any(a["PolicyName"] == "AmazonSageMakerFullAccess" for a in attached), attached
print(f"{arn}: role {role} with AmazonSageMakerFullAccess, definition {len(p['PipelineDefinition'])} bytes")
EOF

step "pulumi destroy --yes"
pulumi destroy --yes --skip-preview || fail "'pulumi destroy' (exit $?)"
pulumi stack rm --yes "$STACK" >/dev/null
stack_made=0
rm -f "$SEED/Pulumi.$STACK.yaml"

# ---- the secure pipeline, from an empty account ----------------------------------
cd "$SECURE"
PROJ="$SECURE"
SECURE_PIPELINE=MySecureTrainingPipeline

step "secure example: the default VPC's subnet and security group (awsml makes no EC2 resources)"
read -r subnet sg < <(python - <<'EOF2'
import boto3
ec2 = boto3.client("ec2")
vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
flt = [{"Name": "vpc-id", "Values": [vpc]}]
subnet = ec2.describe_subnets(Filters=flt)["Subnets"][0]["SubnetId"]
sg = ec2.describe_security_groups(Filters=flt + [{"Name": "group-name", "Values": ["default"]}])
print(subnet, sg["SecurityGroups"][0]["GroupId"])
EOF2
) || fail "looking up the default VPC in moto"
[ -n "${sg:-}" ] || fail "looking up the default VPC in moto (no subnet or security group)"
echo "subnet $subnet, security group $sg"

pulumi stack init "$STACK" --non-interactive
stack_made=1
pulumi config set subnetId "$subnet"
pulumi config set securityGroupId "$sg"

step "secure example: pulumi preview --diff (the security advisor must report nothing)"
log="${TMPDIR:-/tmp}/awsml-demo-secure.$$.log"
pulumi preview --diff 2>&1 | tee "$log" || { rm -f "$log"; fail "the secure example's 'pulumi preview --diff'"; }
if grep -q "security advisor" "$log"; then
  rm -f "$log"
  fail "the secure example's preview: the security advisor reported findings (above)"
fi
rm -f "$log"

step "secure example: pulumi up --yes"
pulumi up --yes --skip-preview || fail "the secure example's 'pulumi up' (exit $?)"

step "secure example: a second pulumi up changes nothing"
pulumi up --yes --expect-no-changes || fail "the secure example's second 'pulumi up' (it wanted changes, above)"

step "secure example: stack outputs, checked in moto"
pulumi stack output --json > "${TMPDIR:-/tmp}/awsml-demo-secure.$$.json" || fail "the secure example's stack outputs"
python - "$SECURE_PIPELINE" "${TMPDIR:-/tmp}/awsml-demo-secure.$$.json" <<'EOF2' || { rm -f "${TMPDIR:-/tmp}/awsml-demo-secure.$$.json"; fail "the check of the secure example in moto"; }
import json, sys, boto3
name, path = sys.argv[1:]
out = json.load(open(path))
print(json.dumps(out, indent=2))
key = boto3.client("kms").describe_key(KeyId=out["kms_alias"])["KeyMetadata"]
assert key["Arn"] == out["kms_key_arn"], (key, out)
assert boto3.client("kms").get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"]
s3 = boto3.client("s3")
bucket = out["bucket"]
pab = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
assert all(pab.values()) and len(pab) == 4, pab
sse = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
assert sse["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key["Arn"]}, sse
assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
st = policy["Statement"][0]
assert st["Effect"] == "Deny" and st["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}, policy
p = boto3.client("sagemaker").describe_pipeline(PipelineName=name)
assert p["PipelineArn"] == out["sagemaker_pipeline_arn"], (p["PipelineArn"], out)
assert p["RoleArn"] == out["sagemaker_role_arn"], p["RoleArn"]
role = p["RoleArn"].rsplit("/", 1)[-1]
iam = boto3.client("iam")
attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
assert [a["PolicyName"] for a in attached] == ["SecureSageMakerPipelineExecution"], attached
boundary = iam.get_role(RoleName=role)["Role"]["PermissionsBoundary"]["PermissionsBoundaryArn"]
assert boundary.endswith(":policy/MlWorkloadBoundary"), boundary
print(f"{p['PipelineArn']}: role {role} with {attached[0]['PolicyName']} and boundary {boundary}; "
      f"bucket {bucket} SSE-KMS, versioned, public access blocked, TLS only; key {key['KeyId']} rotating")
EOF2
rm -f "${TMPDIR:-/tmp}/awsml-demo-secure.$$.json"

step "secure example: pulumi destroy --yes"
pulumi destroy --yes --skip-preview || fail "the secure example's 'pulumi destroy' (exit $?)"
python - "$SECURE_PIPELINE" <<'EOF2' || fail "the check that the secure example left nothing behind"
import sys, boto3
name = sys.argv[1]
assert not any(p["PipelineName"] == name for p in boto3.client("sagemaker").list_pipelines()["PipelineSummaries"])
assert not any(b["Name"].startswith("awsml-secure-pipeline-") for b in boto3.client("s3").list_buckets()["Buckets"])
iam = boto3.client("iam")
assert not any(r["RoleName"] == "SecureSageMakerPipelineRole" for r in iam.list_roles()["Roles"])
assert not iam.list_policies(Scope="Local")["Policies"], iam.list_policies(Scope="Local")["Policies"]
keys = boto3.client("kms")
live = [k for k in keys.list_keys()["Keys"]
        if keys.describe_key(KeyId=k["KeyId"])["KeyMetadata"]["KeyState"] != "PendingDeletion"]
assert not live, live
print("nothing left: pipeline, bucket, role and policies gone, the key pending deletion")
EOF2
