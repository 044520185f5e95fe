"""The drop-in under Node.js and Go: pulumi-aws programs written in TypeScript
(@pulumi/aws 7.48.x, npm's newest 7.x) and in Go (pulumi-aws sdk/v6, the newest
Go SDK the module proxy serves) run through the real Pulumi CLI, the language
hosts `make tools` builds, and build/dropin/pulumi-resource-aws, against moto
with signature checking: preview with the security advisor's findings, up, a
second up that changes nothing, destroy. Programs: examples/seed-ts,
examples/seed-go (the seed's three resources, same names) and
examples/secure-pipeline-ts (zero advisor findings).

The Node packages and Go modules come from the cached, pinned installs `make
tools` links as .tools/node_modules and .tools/go; Go runs with GOPROXY=off, so
nothing is fetched here."""
import os
import re
import shutil
import subprocess
from pathlib import Path

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
TOOLS = ROOT / ".tools"
DEFINITION = (EXAMPLES / "seed" / "my-pipeline-definition.json").read_bytes()
BUCKET = "my-model-artifacts-bucket"
PIPELINE = "MyModelTrainingPipeline"
ROLE = "aws:iam/role:Role"
ATTACH = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
PIPE = "aws:sagemaker/pipeline:Pipeline"
SEED_FINDINGS = [
    ("AWSML-IAM-001", "assumeRolePolicy"),
    ("AWSML-IAM-012", "policyArn"),
    ("AWSML-IAM-013", "permissionsBoundary"),
    ("AWSML-SM-006", "pipelineDefinitionS3Location"),
]


def findings(text):
    return sorted(set(re.findall(r"security advisor \[(AWSML-[A-Z]+-\d+), \w+\] (\S+):", text)))


@pytest.fixture(scope="module")
def dropin_dir():
    """The folder `make dropin` lays out: pulumi-resource-aws, the plugin under pulumi-aws's name."""
    subprocess.run(["make", "-s", "-C", str(ROOT), "dropin"], check=True)
    d = ROOT / "build" / "dropin"
    exe = d / "pulumi-resource-aws"
    assert exe.is_file() and os.access(exe, os.X_OK), f"make dropin did not lay out {exe}"
    return d


def example_project(make_project, dropin_dir, example, name):
    """examples/<example> as a project of its own: its files, its Pulumi.yaml with the
    drop-in folder's absolute path, node_modules linked to the cached install."""
    proj = make_project("", providers=("aws",), name=name)
    (proj.dir / "__main__.py").unlink()
    src = EXAMPLES / example
    for f in src.iterdir():
        if f.is_file():
            shutil.copy(f, proj.dir / f.name)
    yaml = (src / "Pulumi.yaml").read_text()
    assert "path: ../../build/dropin" in yaml, yaml
    yaml = yaml.replace("path: ../../build/dropin", f"path: {dropin_dir}")
    yaml = re.sub(r"^name: .*$", f"name: {name}", yaml, count=1, flags=re.M)
    (proj.dir / "Pulumi.yaml").write_text(yaml)
    if (src / "package.json").exists():
        (proj.dir / "node_modules").symlink_to(TOOLS.resolve() / "node_modules")
    if (src / "go.mod").exists():
        gocache = TOOLS.resolve() / "go"
        proj.env.update(GOMODCACHE=str(gocache / "mod"), GOCACHE=str(gocache / "build"),
                        GOFLAGS="-mod=mod -buildvcs=false", GOPROXY="off", GOTOOLCHAIN="local")
        proj.env["PATH"] = proj.env.get("PATH", "") + os.pathsep + "/usr/local/go/bin"
    return proj


def provider_version(proj):
    """The version the program's SDK asked for, as the engine recorded it on the default provider."""
    provs = [r for r in proj.resources() if r["type"] == "pulumi:providers:aws"]
    assert len(provs) == 1, provs
    return provs[0]["inputs"].get("version")


def assert_clean(result):
    """Nothing the CLI says about plugin versions or where it found a language host."""
    out = result.output
    assert "is expected to have version" not in out, result
    assert "from $PATH" not in out, result


def run_seed(proj, sdk_version):
    """The seed's walk: preview (advisor findings, 4 to create), up, moto checked,
    a second up that changes nothing, destroy, nothing left."""
    s3, iam, sm = boto3.client("s3"), boto3.client("iam"), boto3.client("sagemaker")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="my-pipeline-definition.json", Body=DEFINITION)

    pv = proj.preview()
    assert_clean(pv)
    assert findings(pv.output) == SEED_FINDINGS, pv
    for t, n in ((ROLE, "SageMakerRole"), (ATTACH, "SageMakerPolicyAttachment"),
                 (PIPE, "SageMakerPipeline")):
        assert re.search(rf"^\s*\+ {re.escape(t)}: \(create\)$", pv.stdout, re.M), pv
        assert f"[urn={proj.urn(t, n)}]" in pv.stdout, pv
    assert re.search(r"^\s*\+ 4 to create$", pv.stdout, re.M), pv

    assert_clean(proj.up())
    assert provider_version(proj) == sdk_version
    name = proj.resource(ROLE, "SageMakerRole")["id"]
    assert re.fullmatch(r"SageMakerRole-[0-9a-f]{7}", name), name
    role = iam.get_role(RoleName=name)["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "sagemaker.amazonaws.com"}
    attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    assert [a["PolicyArn"] for a in attached] == ["arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"]
    p = sm.describe_pipeline(PipelineName=PIPELINE)
    assert p["RoleArn"] == role["Arn"]
    assert p["PipelineDescription"] == "Pipeline for training and deploying ML model"
    assert proj.outputs() == {"sagemaker_pipeline_arn": p["PipelineArn"]}

    again = proj.up("--expect-no-changes")
    assert_clean(again)
    assert re.search(r"^\s*4 unchanged$", again.stdout, re.M), again

    proj.destroy()
    left = [s["PipelineName"] for s in sm.list_pipelines()["PipelineSummaries"]]
    assert PIPELINE not in left, left
    assert not [r for r in iam.list_roles()["Roles"] if r["RoleName"].startswith("SageMakerRole")]


def test_seed_in_typescript(make_project, dropin_dir, toolchain):
    aws_version = (toolchain / "node_modules" / "@pulumi" / "aws" / "package.json").read_text()
    assert re.search(r'"version":\s*"7\.48\.\d+"', aws_version), "expected @pulumi/aws 7.48.x"
    proj = example_project(make_project, dropin_dir, "seed-ts", "seed-ts")
    # @pulumi/aws 7.48.0 asks for the aws plugin at 7.48.0; the drop-in is 7.51.1: no warning.
    run_seed(proj, "7.48.0")


def test_seed_in_go(make_project, dropin_dir, toolchain):
    proj = example_project(make_project, dropin_dir, "seed-go", "seed-go")
    run_seed(proj, "6.83.4")


def test_secure_pipeline_in_typescript(make_project, dropin_dir, toolchain):
    """The secure example in TypeScript: zero advisor findings, up, no-change up, destroy.
    Its JSON documents are examples/secure-pipeline's, byte for byte."""
    src = EXAMPLES / "secure-pipeline-ts"
    for doc in ("trust-policy.json", "execution-policy.json", "pipeline-definition.json"):
        assert (src / doc).read_bytes() == (EXAMPLES / "secure-pipeline" / doc).read_bytes(), doc

    ec2 = boto3.client("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]
    flt = [{"Name": "vpc-id", "Values": [vpc["VpcId"]]}]
    subnet = ec2.describe_subnets(Filters=flt)["Subnets"][0]["SubnetId"]
    sg = ec2.describe_security_groups(Filters=flt)["SecurityGroups"][0]["GroupId"]
    proj = example_project(make_project, dropin_dir, "secure-pipeline-ts", "secure-ts")
    proj.config_set("subnetId", subnet)
    proj.config_set("securityGroupId", sg)

    pv = proj.preview()
    assert_clean(pv)
    assert "security advisor [" not in pv.output, pv
    assert re.search(r"^\s*\+ 14 to create$", pv.stdout, re.M), pv

    assert_clean(proj.up())
    out = proj.outputs()
    sm, kms, s3 = boto3.client("sagemaker"), boto3.client("kms"), boto3.client("s3")
    p = sm.describe_pipeline(PipelineName="MySecureTrainingPipeline")
    assert p["PipelineArn"] == out["sagemaker_pipeline_arn"]
    assert p["RoleArn"] == out["sagemaker_role_arn"]
    aliases = {a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"]}
    assert out["kms_alias"] == "alias/awsml-secure-pipeline"
    assert aliases.get("alias/awsml-secure-pipeline") == out["kms_key_arn"].split("/")[-1]
    enc = s3.get_bucket_encryption(Bucket=out["bucket"])["ServerSideEncryptionConfiguration"]
    assert enc["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    # (moto refuses object reads under the bucket's TLS-only policy: the object is checked in state)
    obj = proj.resource("aws:s3/bucketObjectv2:BucketObjectv2", "PipelineDefinitionObject")
    assert obj["outputs"]["serverSideEncryption"] == "aws:kms", obj
    assert obj["outputs"]["kmsKeyId"] == out["kms_key_arn"], obj

    again = proj.up("--expect-no-changes")
    assert_clean(again)
    assert re.search(r"^\s*14 unchanged$", again.stdout, re.M), again

    proj.destroy()
    assert "MySecureTrainingPipeline" not in [
        s["PipelineName"] for s in sm.list_pipelines()["PipelineSummaries"]]
    assert out["bucket"] not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
