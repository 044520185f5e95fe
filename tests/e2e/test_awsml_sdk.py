"""The generated Python SDK `pulumi_awsml`, installed from its wheel, runs the seed
document's program with `import pulumi_awsml as aws` and no other change: the
awsml package's own tokens (awsml:...), through the real Pulumi CLI, against moto
with signature checking. The seed omits pipeline_display_name, which pulumi_aws's
SDK insists on and pulumi_awsml does not (awsml defaults it to the pipeline name).

The wheel is `make wheel`'s (dist/pulumi_awsml-<version>-py3-none-any.whl, or
AWSML_WHEEL); when there is none the test runs `make wheel` itself."""
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import boto3
import pytest

ROOT = Path(os.environ.get("AWSML_ROOT") or Path(__file__).resolve().parents[2])
# The seed document's program as handed to the project (see tests/fixtures/seed/README.md).
SEED_ORIGINAL = ROOT / "tests" / "fixtures" / "seed" / "__main__.py"
DEFINITION = (ROOT / "examples" / "seed" / "my-pipeline-definition.json").read_text()
ROLE = "awsml:iam/role:Role"
ATTACH = "awsml:iam/rolePolicyAttachment:RolePolicyAttachment"
PIPE = "awsml:sagemaker/pipeline:Pipeline"
PIPELINE = "MyModelTrainingPipeline"
SAGEMAKER_FULL = "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"


def _find_wheel():
    if os.environ.get("AWSML_WHEEL"):
        return Path(os.environ["AWSML_WHEEL"])
    found = sorted((ROOT / "dist").glob("pulumi_awsml-*-py3-none-any.whl"))
    return found[-1] if found else None


@pytest.fixture(scope="module")
def awsml_sdk(tmp_path_factory) -> Path:
    """A directory holding pulumi_awsml installed from the wheel (for PYTHONPATH)."""
    wheel = _find_wheel()
    if wheel is None:
        r = subprocess.run(["make", "-C", str(ROOT), "wheel"], capture_output=True, text=True)
        assert r.returncode == 0, f"make wheel failed:\n{r.stdout}\n{r.stderr}"
        wheel = _find_wheel()
    assert wheel is not None and wheel.is_file(), f"no pulumi_awsml wheel in {ROOT / 'dist'}"
    names = zipfile.ZipFile(wheel).namelist()
    for f in ("pulumi_awsml/iam/role.py", "pulumi_awsml/sagemaker/pipeline.py",
              "pulumi_awsml/pulumi-plugin.json", "pulumi_awsml/py.typed"):
        assert f in names, (f, wheel)
    site = tmp_path_factory.mktemp("awsml-sdk")
    # Dependencies (pulumi, semver, packaging) come from the test venv; no index is asked.
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                        "--no-index", "--disable-pip-version-check", "--target", str(site),
                        str(wheel)], capture_output=True, text=True)
    assert r.returncode == 0, f"pip install {wheel} failed:\n{r.stdout}\n{r.stderr}"
    return site


def seed_with_awsml() -> str:
    original = SEED_ORIGINAL.read_text()
    assert original.count("import pulumi_aws as aws\n") == 1, "the seed's import line changed"
    return original.replace("import pulumi_aws as aws\n", "import pulumi_awsml as aws\n")


@pytest.fixture
def bucket():
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="my-model-artifacts-bucket")
    s3.put_object(Bucket="my-model-artifacts-bucket", Key="my-pipeline-definition.json",
                  Body=DEFINITION.encode())
    return s3


def test_sdk_layout_mirrors_pulumi_aws(awsml_sdk):
    """Module layout, class names, enum and argument names as in pulumi_aws."""
    code = """
import json, pulumi_awsml as awsml, pulumi_aws
from importlib import resources
assert awsml.iam.Role.__module__ == "pulumi_awsml.iam.role"
assert awsml.iam.RolePolicyAttachment.__module__ == "pulumi_awsml.iam.role_policy_attachment"
assert awsml.sagemaker.Pipeline.__module__ == "pulumi_awsml.sagemaker.pipeline"
assert awsml.iam.ManagedPolicy.AMAZON_SAGE_MAKER_FULL_ACCESS.value == %r
for m in awsml.iam.ManagedPolicy:
    assert pulumi_aws.iam.ManagedPolicy[m.name].value == m.value, m
assert len(list(awsml.iam.ManagedPolicy)) >= 30
import inspect
for ours, theirs in ((awsml.iam.Role, pulumi_aws.iam.Role),
                     (awsml.iam.RolePolicyAttachment, pulumi_aws.iam.RolePolicyAttachment),
                     (awsml.sagemaker.Pipeline, pulumi_aws.sagemaker.Pipeline)):
    a = set(inspect.signature(ours._internal_init).parameters)
    b = set(inspect.signature(theirs._internal_init).parameters)
    assert a == b, (ours, a ^ b)
plugin = json.loads((resources.files("pulumi_awsml") / "pulumi-plugin.json").read_text())
assert plugin["resource"] is True and plugin["name"] == "awsml", plugin
print("ok")
""" % SAGEMAKER_FULL
    env = dict(os.environ, PYTHONPATH=str(awsml_sdk))
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stdout + r.stderr


def test_seed_program_with_pulumi_awsml(make_project, awsml_sdk, bucket):
    program = seed_with_awsml()
    proj = make_project(program, providers=("awsml",), name="seedawsml")
    proj.env["PYTHONPATH"] = str(awsml_sdk)
    iam, sm = boto3.client("iam"), boto3.client("sagemaker")

    pv = proj.preview()
    for t, n in ((ROLE, "SageMakerRole"), (ATTACH, "SageMakerPolicyAttachment"),
                 (PIPE, "SageMakerPipeline")):
        assert re.search(rf"^\s*\+ {re.escape(t)}: \(create\)$", pv.stdout, re.M), pv
        assert f"[urn={proj.urn(t, n)}]" in pv.stdout, pv
    # the three resources plus the stack
    assert re.search(r"^\s*\+ 4 to create$", pv.stdout, re.M), pv
    assert "aws:iam/role:Role" not in pv.stdout.replace("awsml:iam/role:Role", ""), pv

    proj.up()
    role = proj.resource(ROLE, "SageMakerRole")
    name = role["id"]
    assert re.fullmatch(r"SageMakerRole-[0-9a-f]{7}", name), name
    got = iam.get_role(RoleName=name)["Role"]
    assert got["Path"] == "/" and got["MaxSessionDuration"] == 3600
    attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    assert [a["PolicyArn"] for a in attached] == [SAGEMAKER_FULL]
    assert proj.resource(ATTACH, "SageMakerPolicyAttachment")["id"] == f"{name}/{SAGEMAKER_FULL}"
    p = sm.describe_pipeline(PipelineName=PIPELINE)
    assert p["RoleArn"] == got["Arn"]
    assert p["PipelineDisplayName"] == PIPELINE  # defaulted by awsml
    assert p["PipelineDescription"] == "Pipeline for training and deploying ML model"
    assert proj.outputs()["sagemaker_pipeline_arn"] == p["PipelineArn"]
    pipe = proj.resource(PIPE, "SageMakerPipeline")
    assert pipe["outputs"]["pipelineDisplayName"] == PIPELINE
    proj.preview("--expect-no-changes")

    proj.destroy()
    assert sm.list_pipelines()["PipelineSummaries"] == []
    assert [r["RoleName"] for r in iam.list_roles()["Roles"]
            if r["RoleName"].startswith("SageMakerRole")] == []
    assert proj.resources(ROLE) == []


EXPLICIT_PROVIDER = '''
import json
import os
import pulumi
import pulumi_awsml as awsml

moto = os.environ["MOTO_ENDPOINT"]
p = awsml.Provider("explicit",
    region="us-east-1",
    endpoints=[awsml.ProviderEndpointArgs(iam=moto, sts=moto, sagemaker=moto, s3=moto)],
    default_tags=awsml.ProviderDefaultTagsArgs(tags={"owner": "ml-team"}),
    max_retries=2,
    skip_metadata_api_check=True)
role = awsml.iam.Role("typed",
    assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
        "Action": "sts:AssumeRole"}]}),
    inline_policies=[awsml.iam.RoleInlinePolicyArgs(name="read", policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
        "Resource": "*"}]}))],
    managed_policy_arns=[awsml.iam.ManagedPolicy.AMAZON_S3_READ_ONLY_ACCESS],
    opts=pulumi.ResourceOptions(provider=p))
pulumi.export("name", role.name)
pulumi.export("path", role.path)
pulumi.export("tagsAll", role.tags_all)
'''


def test_explicit_provider_and_typed_args(make_project, awsml_sdk):
    """awsml.Provider with object/list/int config (sent JSON-encoded by the SDK) and the
    generated Args classes and enum."""
    proj = make_project(EXPLICIT_PROVIDER, providers=("awsml",), name="typedawsml")
    proj.env["PYTHONPATH"] = str(awsml_sdk)
    iam = boto3.client("iam")
    proj.up()
    out = proj.outputs()
    assert out["path"] == "/"
    assert out["tagsAll"] == {"owner": "ml-team"}
    name = out["name"]
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == ["read"]
    assert [a["PolicyArn"] for a in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]] \
        == ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]
    proj.preview("--expect-no-changes")
    proj.destroy()
    assert [r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"] == name] == []
