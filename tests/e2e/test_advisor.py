"""The security advisor through the real CLI: the seed's program previews
with exactly its expected warnings, `enforce` stops it with CheckFailures
naming the properties, suppression works, and the secure example previews
with no findings."""
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEED = (ROOT / "examples" / "seed" / "__main__.py").read_text()
SECURE = ROOT / "examples" / "secure-pipeline"


def findings(text):
    return sorted(set(re.findall(r"security advisor \[(AWSML-[A-Z]+-\d+), \w+\] (\S+):", text)))


def advisor_config(**values):
    lines = "".join(f"  aws:{k}:\n    value: {v}\n" for k, v in values.items())
    return "config:\n" + lines


def test_seed_preview_warns_exactly(make_project):
    proj = make_project(SEED, providers=("aws",), name="adv")
    pv = proj.preview()
    assert findings(pv.stdout + pv.stderr) == [
        ("AWSML-IAM-001", "assumeRolePolicy"),
        ("AWSML-IAM-012", "policyArn"),
        ("AWSML-IAM-013", "permissionsBoundary"),
        ("AWSML-SM-006", "pipelineDefinitionS3Location"),
    ], pv
    # Each finding once per resource and run.
    assert (pv.stdout + pv.stderr).count("[AWSML-IAM-001,") == 1, pv


def test_enforce_blocks_with_check_failures(make_project):
    proj = make_project(SEED, providers=("aws",), name="adv-enforce",
                        extra_yaml=advisor_config(securityAdvisor="enforce"))
    pv = proj.preview(check=False)
    out = pv.stdout + pv.stderr
    assert pv.returncode != 0
    # The role's Check fails first, so the plan stops there (the attachment,
    # which needs the role's name, is never checked).
    assert "[AWSML-IAM-001]" in out and "assumeRolePolicy" in out, pv
    assert "[AWSML-IAM-013]" in out and "permissionsBoundary" in out, pv
    assert "security advisor [" not in out, "enforce reports failures, not warnings"


def test_suppressed_rules_are_silent(make_project):
    proj = make_project(SEED, providers=("aws",), name="adv-sup",
                        extra_yaml=advisor_config(
                            securityAdvisorSuppress='["AWSML-IAM-013", "AWSML-SM-006"]'))
    pv = proj.preview()
    assert [f[0] for f in findings(pv.stdout + pv.stderr)] == ["AWSML-IAM-001", "AWSML-IAM-012"], pv
    off = make_project(SEED, providers=("aws",), name="adv-off",
                       extra_yaml=advisor_config(securityAdvisor="off"))
    assert findings(off.preview().stdout) == []
    bad = make_project(SEED, providers=("aws",), name="adv-bad",
                       extra_yaml=advisor_config(securityAdvisorSuppress='["NOPE-1"]'))
    r = bad.preview(check=False)
    assert r.returncode != 0 and "'NOPE-1' is not a rule ID" in r.stdout + r.stderr, r


def secure_project(make_project, name, edit=None):
    """The secure example as a project of its own; edit(filename, text) -> text
    may change its JSON documents. The VPC settings name moto's default VPC
    (the example makes no EC2 resources)."""
    import boto3
    ec2 = boto3.client("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]
    flt = [{"Name": "vpc-id", "Values": [vpc["VpcId"]]}]
    subnet = ec2.describe_subnets(Filters=flt)["Subnets"][0]["SubnetId"]
    sg = ec2.describe_security_groups(Filters=flt)["SecurityGroups"][0]["GroupId"]
    proj = make_project((SECURE / "__main__.py").read_text(), providers=("aws",), name=name,
                        extra_yaml=f"config:\n  {name}:subnetId: {subnet}\n"
                                   f"  {name}:securityGroupId: {sg}\n")
    for f in SECURE.iterdir():
        if f.name not in ("__main__.py", "Pulumi.yaml"):
            text = f.read_text()
            (proj.dir / f.name).write_text(edit(f.name, text) if edit else text)
    return proj


SECURE_TYPES = [
    "aws:iam/policy:Policy", "aws:iam/role:Role",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws:kms/alias:Alias", "aws:kms/key:Key",
    "aws:s3/bucket:Bucket", "aws:s3/bucketObjectv2:BucketObjectv2", "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketVersioning:BucketVersioning", "aws:sagemaker/pipeline:Pipeline",
]


def test_secure_example_clean_from_an_empty_account(make_project):
    """Preview with no findings, up, no changes, destroy: everything the
    pipeline uses is made by the program (only the VPC comes from config)."""
    proj = secure_project(make_project, "secure")
    pv = proj.preview()
    assert findings(pv.stdout + pv.stderr) == [], pv
    assert "security advisor" not in pv.stdout + pv.stderr, pv
    assert re.search(r"^\s*\+ aws:sagemaker/pipeline:Pipeline: \(create\)$", pv.stdout, re.M), pv
    try:
        up = proj.up()
        assert "security advisor" not in up.stdout + up.stderr, up
        assert sorted({r["type"] for r in proj.resources() if r["type"].startswith("aws:")
                       and not r["type"].startswith("pulumi:providers")}) == SECURE_TYPES
        out = proj.outputs()
        assert out["bucket"] == "awsml-secure-pipeline-123456789012-us-east-1", out
        assert out["sagemaker_role_arn"] == \
            "arn:aws:iam::123456789012:role/SecureSageMakerPipelineRole", out
        again = proj.preview("--expect-no-changes")
        assert "security advisor" not in again.stdout + again.stderr, again
    finally:
        proj.destroy()


def test_secure_example_definition_is_checked_at_preview(make_project):
    """The definition is known at preview (its KMS key named by alias ARN), so
    the advisor does check it: without network isolation it warns."""
    proj = secure_project(make_project, "secure-weak", edit=lambda name, text: text.replace(
        '"EnableNetworkIsolation": true', '"EnableNetworkIsolation": false'))
    pv = proj.preview()
    assert findings(pv.stdout + pv.stderr) == [("AWSML-SM-003", "pipelineDefinition")], pv
