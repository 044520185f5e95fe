"""The seed document's program, unchanged (`import pulumi_aws as aws`), run
through the real Pulumi CLI with awsml standing in for pulumi-aws, against
moto with signature checking: preview, up, no-change up, in-place updates,
a replacing rename, drift on refresh, destroy."""
import json
import re
from pathlib import Path

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[2]
# The seed document and its program as handed to the project (see tests/fixtures/seed/README.md).
FIXTURE = ROOT / "tests" / "fixtures" / "seed"
SEED = (ROOT / "examples" / "seed" / "__main__.py").read_text()
DEFINITION = (ROOT / "examples" / "seed" / "my-pipeline-definition.json").read_text()
ROLE = "aws:iam/role:Role"
ATTACH = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
PIPE = "aws:sagemaker/pipeline:Pipeline"
PIPELINE = "MyModelTrainingPipeline"


@pytest.fixture
def bucket():
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="my-model-artifacts-bucket")
    s3.put_object(Bucket="my-model-artifacts-bucket", Key="my-pipeline-definition.json",
                  Body=DEFINITION.encode())
    return s3


def edited(program, *pairs):
    for old, new in pairs:
        assert old in program, old
        program = program.replace(old, new, 1)
    return program


def test_example_is_the_seed_plus_only_the_display_name():
    """examples/seed is the seed's program (the fixture) with one argument added:
    pulumi_aws's SDK refuses the program without pipeline_display_name."""
    original = (FIXTURE / "__main__.py").read_text()

    def code(text):
        return [l.strip() for l in text.splitlines() if l.strip() and not l.strip().startswith("#")]

    ours, theirs = code(SEED), code(original)
    extra = [l for l in ours if l not in theirs]
    assert extra == ['pipeline_display_name="MyModelTrainingPipeline",'], extra
    assert [l for l in ours if l != extra[0]] == theirs


def test_fixture_program_is_the_documents():
    """The fixture's __main__.py is the seed document's program with only whitespace changed
    (the document prints it on one line); its three-line header comment is the fixture's own."""
    document = (FIXTURE / "000_2752b254d5564faa.txt").read_text(encoding="utf-8")
    found = re.search(r"^\s*(import pulumi import pulumi_aws as aws .*)$", document, re.M)
    assert found, "no program line in the seed document"
    program = (FIXTURE / "__main__.py").read_text().splitlines()
    assert all(l.startswith("#") for l in program[:3]), program[:3]
    assert " ".join("\n".join(program[3:]).split()) == " ".join(found.group(1).split())


def test_seed_program_end_to_end(make_project, bucket):
    proj = make_project(SEED, providers=("aws",), name="seed")
    iam, sm = boto3.client("iam"), boto3.client("sagemaker")

    pv = proj.preview()
    # The drop-in reports the pulumi-aws version it mirrors: no version warning.
    assert "is expected to have version" not in pv.stdout + pv.stderr, pv
    for t, n in ((ROLE, "SageMakerRole"), (ATTACH, "SageMakerPolicyAttachment"),
                 (PIPE, "SageMakerPipeline")):
        assert re.search(rf"^\s*\+ {re.escape(t)}: \(create\)$", pv.stdout, re.M), pv
        assert f"[urn={proj.urn(t, n)}]" in pv.stdout
    assert re.search(r"^\s*\+ 4 to create$", pv.stdout, re.M), pv

    proj.up()
    role = proj.resource(ROLE, "SageMakerRole")
    name = role["id"]
    assert re.fullmatch(r"SageMakerRole-[0-9a-f]{7}", name), name
    got = iam.get_role(RoleName=name)["Role"]
    assert got["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "sagemaker.amazonaws.com"}
    attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    assert [a["PolicyArn"] for a in attached] == ["arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"]
    assert proj.resource(ATTACH, "SageMakerPolicyAttachment")["id"] == \
        f"{name}/arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"
    p = sm.describe_pipeline(PipelineName=PIPELINE)
    assert p["RoleArn"] == got["Arn"]
    assert p["PipelineDescription"] == "Pipeline for training and deploying ML model"
    assert proj.outputs()["sagemaker_pipeline_arn"] == p["PipelineArn"]
    # The user's policy text stays in state (no perpetual diff), and nothing changes.
    assert '"Version": "2012-10-17"' in role["outputs"]["assumeRolePolicy"]
    proj.preview("--expect-no-changes")

    # In-place updates with exact detailed diffs.
    v2 = edited(SEED,
                ('sagemaker_role = aws.iam.Role("SageMakerRole",',
                 'sagemaker_role = aws.iam.Role("SageMakerRole",\n    description="trains models",\n'
                 '    tags={"team": "ml"},'),
                ('"Action": "sts:AssumeRole"', '"Action": ["sts:AssumeRole", "sts:TagSession"]'),
                ('pipeline_description="Pipeline for training and deploying ML model"',
                 'pipeline_description="Trains the model"'))
    proj.set_program(v2)
    pv = proj.preview()
    assert re.search(r"^\s*~ aws:iam/role:Role: \(update\)$", pv.stdout, re.M), pv
    assert re.search(r'^\s*\+ description\s*: "trains models"$', pv.stdout, re.M), pv
    assert re.search(r'^\s*\+ tags\s*: \{', pv.stdout, re.M), pv
    assert re.search(r"^\s*~ assumeRolePolicy\s*:", pv.stdout, re.M), pv
    assert re.search(r'^\s*~ pipelineDescription\s*: "Pipeline for training and deploying ML model" '
                     r'=> "Trains the model"$', pv.stdout, re.M), pv
    assert "replace" not in pv.stdout.split("Resources:")[-1], pv
    proj.up()
    got = iam.get_role(RoleName=name)["Role"]
    assert got["Description"] == "trains models"
    assert {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=name)["Tags"]} == {"team": "ml"}
    assert sm.describe_pipeline(PipelineName=PIPELINE)["PipelineDescription"] == "Trains the model"
    proj.preview("--expect-no-changes")

    # Drift: an out-of-band change shows on refresh and the next preview puts it back.
    iam.update_role(RoleName=name, Description="changed by hand", MaxSessionDuration=3600)
    rf = proj.refresh()
    assert "changed by hand" in rf.stdout or "description" in rf.stdout, rf
    pv = proj.preview()
    assert re.search(r'^\s*~ description\s*: "changed by hand" => "trains models"$', pv.stdout,
                     re.M), pv
    proj.up()
    assert iam.get_role(RoleName=name)["Role"]["Description"] == "trains models"

    # Renaming the pipeline replaces it.
    v3 = edited(v2, (f'pipeline_name="{PIPELINE}"', 'pipeline_name="RenamedPipeline"'))
    proj.set_program(v3)
    pv = proj.preview()
    assert re.search(r"^\s*\+-\s*aws:sagemaker/pipeline:Pipeline: \(replace\)$", pv.stdout, re.M), pv
    proj.up()
    names = [s["PipelineName"] for s in sm.list_pipelines()["PipelineSummaries"]]
    assert "RenamedPipeline" in names and PIPELINE not in names, names

    # Destroy leaves nothing of the program in moto.
    proj.destroy()
    left = [s["PipelineName"] for s in sm.list_pipelines()["PipelineSummaries"]]
    assert not {"RenamedPipeline", PIPELINE} & set(left), left
    assert [r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"].startswith("SageMakerRole")] == []
