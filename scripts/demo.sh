#!/usr/bin/env bash
# make demo: the seed program (examples/seed) through the real Pulumi CLI with awsml
# standing in for pulumi-aws, against a moto server that checks signatures:
#   build (make deps, tools, all) -> upload the pipeline definition to moto's S3 ->
#   pulumi preview --diff -> pulumi up -> stack outputs (checked against moto) -> destroy.
# Exits non-zero, with a line saying which step failed, when any step fails; the
# stack is destroyed and removed either way.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SEED="$ROOT/examples/seed"
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
  rm -f "$SEED/Pulumi.$STACK.yaml"
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
