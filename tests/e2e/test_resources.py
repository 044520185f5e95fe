"""The three resources through the real CLI and pulumi_aws beyond the seed:
autonaming configuration, import of resources made outside Pulumi, explicit
provider resources, Check failures as the user sees them, secrets in state,
and pain points 1 and 3 of pulumi-aws."""
import json
import re

import boto3
import pytest

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})
ROLE = "aws:iam/role:Role"
ATTACH = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
POLICY = "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"


def role_program(extra_args="", name="r", header=""):
    return f"""
import pulumi
import pulumi_aws as aws
{header}
role = aws.iam.Role("{name}", assume_role_policy='{TRUST}'{extra_args})
pulumi.export("name", role.name)
"""


def test_autonaming_verbatim_and_disabled(make_project):
    verbatim = "config:\n  pulumi:autonaming:\n    value:\n      mode: verbatim\n"
    proj = make_project(role_program(name="exact-name"), providers=("aws",), name="an",
                        extra_yaml=verbatim)
    proj.up()
    assert proj.outputs()["name"] == "exact-name"
    boto3.client("iam").get_role(RoleName="exact-name")
    proj.destroy()

    disabled = "config:\n  pulumi:autonaming:\n    value:\n      mode: disabled\n"
    proj = make_project(role_program(name="unnamed"), providers=("aws",), name="an2",
                        extra_yaml=disabled)
    r = proj.preview(check=False)
    assert r.returncode != 0
    assert "'name' is required" in r.stdout + r.stderr, r


def test_check_failures_name_the_property(make_project):
    proj = make_project(role_program(", max_session_duration=100, name='bad name!'"),
                        providers=("aws",), name="cf")
    r = proj.preview(check=False)
    out = r.stdout + r.stderr
    assert r.returncode != 0
    assert "maxSessionDuration" in out and "3600 to 43200" in out, r
    assert "name" in out and "' ' is not allowed" in out, r


def test_import_an_existing_role_and_attachment(make_project):
    iam = boto3.client("iam")
    iam.create_role(RoleName="made-outside", AssumeRolePolicyDocument=TRUST, Description="by hand")
    iam.attach_role_policy(RoleName="made-outside", PolicyArn=POLICY)
    proj = make_project("import pulumi\n", providers=("aws",), name="imp")
    proj.import_(ROLE, "imported-role", "made-outside", generate_code=False)
    st = proj.resource(ROLE, "imported-role")
    assert st["id"] == "made-outside"
    assert st["outputs"]["arn"] == "arn:aws:iam::123456789012:role/made-outside"
    assert st["inputs"]["description"] == "by hand"
    proj.import_(ATTACH, "imported-attachment", f"made-outside/{POLICY}", generate_code=False)
    st = proj.resource(ATTACH, "imported-attachment")
    assert st["inputs"] == {"role": "made-outside", "policyArn": POLICY}
    sm = boto3.client("sagemaker")
    sm.create_pipeline(PipelineName="made-outside-pipeline", PipelineDisplayName="shown",
                       PipelineDefinition=json.dumps({"Version": "2020-12-01", "Steps": []}),
                       RoleArn="arn:aws:iam::123456789012:role/made-outside")
    proj.import_("aws:sagemaker/pipeline:Pipeline", "imported-pipeline", "made-outside-pipeline",
                 generate_code=False)
    st = proj.resource("aws:sagemaker/pipeline:Pipeline", "imported-pipeline")
    assert st["inputs"]["pipelineName"] == "made-outside-pipeline"
    assert st["inputs"]["pipelineDisplayName"] == "shown"
    assert st["outputs"]["arn"].endswith(":pipeline/made-outside-pipeline")
    # The program never declares them: destroy deletes what was imported.
    proj.destroy()
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName="made-outside")
    assert all(p["PipelineName"] != "made-outside-pipeline"
               for p in sm.list_pipelines()["PipelineSummaries"])


def test_explicit_provider_resource(make_project):
    program = role_program(", opts=pulumi.ResourceOptions(provider=p)", name="via-provider",
                           header='p = aws.Provider("p", region="us-east-1", '
                                  'skip_credentials_validation=True, max_retries=2, '
                                  'default_tags={"tags": {"owner": "ml-team"}})')
    proj = make_project(program, providers=("aws",), name="prov")
    proj.up()
    st = proj.resource(ROLE, "via-provider")
    assert st["provider"].startswith(proj.urn_prefix + "pulumi:providers:aws::p::")
    assert st["outputs"]["tagsAll"] == {"owner": "ml-team"}  # defaultTags from the provider
    tags = boto3.client("iam").list_role_tags(RoleName=st["id"])["Tags"]
    assert tags == [{"Key": "owner", "Value": "ml-team"}]
    proj.destroy()


def test_secret_inputs_stay_secret_in_state(make_project):
    proj = make_project(role_program(', description=pulumi.Output.secret("classified text")'),
                        providers=("aws",), name="sec")
    proj.up()
    raw = proj.pulumi("stack", "export").stdout  # without --show-secrets
    assert "classified text" not in raw
    res = [r for r in json.loads(raw)["deployment"]["resources"] if r["type"] == ROLE][0]
    assert res["outputs"]["description"]["4dabf18193072939515e22adb298388d"] == \
        "1b47061264138c4ac30d75fd1eb44270"
    proj.destroy()


def test_second_attachment_of_the_same_policy_is_refused(make_project):
    program = f"""
import pulumi
import pulumi_aws as aws
role = aws.iam.Role("twice", assume_role_policy='{TRUST}')
a = aws.iam.RolePolicyAttachment("a", role=role.name, policy_arn="{POLICY}")
b = aws.iam.RolePolicyAttachment("b", role=role.name, policy_arn="{POLICY}",
                                  opts=pulumi.ResourceOptions(depends_on=[a]))
"""
    proj = make_project(program, providers=("aws",), name="dup")
    r = proj.up(check=False)
    assert r.returncode != 0
    assert "already attached" in r.stdout + r.stderr, r
    # The first attachment survives: nothing was silently shared or detached.
    name = proj.resource(ROLE, "twice")["id"]
    attached = boto3.client("iam").list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    assert [a["PolicyArn"] for a in attached] == [POLICY]
    proj.destroy()


def test_empty_inline_policies_list_removes_them(make_project):
    doc = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})
    inline = f", inline_policies=[{{'name': 'p1', 'policy': '{doc}'}}]"
    proj = make_project(role_program(inline, name="inl"), providers=("aws",), name="inl")
    proj.up()
    name = proj.resource(ROLE, "inl")["id"]
    iam = boto3.client("iam")
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == ["p1"]
    proj.set_program(role_program(", inline_policies=[]", name="inl"))
    pv = proj.preview()
    assert re.search(r"^\s*~ aws:iam/role:Role: \(update\)$", pv.stdout, re.M), pv
    proj.up()
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == []
    proj.preview("--expect-no-changes")
    proj.destroy()


def test_managed_policy_arns_and_an_attachment_do_not_flip_flop(make_project):
    """pulumi-aws pain point 2: managedPolicyArns on a role plus a
    RolePolicyAttachment on the same role fight on every up and refresh.
    awsml's managedPolicyArns only manages the ARNs it lists."""
    other = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    program = f"""
import pulumi
import pulumi_aws as aws
role = aws.iam.Role("both", assume_role_policy='{TRUST}', managed_policy_arns=["{POLICY}"])
aws.iam.RolePolicyAttachment("extra", role=role.name, policy_arn="{other}")
"""
    proj = make_project(program, providers=("aws",), name="pp2")
    proj.up()
    name = proj.resource(ROLE, "both")["id"]
    iam = boto3.client("iam")

    def attached():
        return sorted(a["PolicyArn"] for a in
                      iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"])

    assert attached() == sorted([POLICY, other])
    for _ in range(2):
        proj.refresh()
        proj.preview("--expect-no-changes")
        proj.up()
        assert attached() == sorted([POLICY, other])
    # Dropping an ARN from the list detaches only that one.
    proj.set_program(program.replace(f'managed_policy_arns=["{POLICY}"]', "managed_policy_arns=[]"))
    proj.up()
    assert attached() == [other]
    proj.destroy()


def test_a_default_tags_change_alone_is_applied(make_project):
    """pulumi-aws pain point 5: a defaultTags change is ignored unless another
    field changes. awsml shows it as an update of tagsAll and applies it."""
    def prog(owner):
        return role_program(", tags={'team': 'ml'}, opts=pulumi.ResourceOptions(provider=p)",
                            name="tagged",
                            header=f'p = aws.Provider("p", region="us-east-1", '
                                   f'default_tags={{"tags": {{"owner": "{owner}"}}}})')
    proj = make_project(prog("a"), providers=("aws",), name="dt")
    proj.up()
    name = proj.resource(ROLE, "tagged")["id"]
    iam = boto3.client("iam")

    def tags():
        return {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=name)["Tags"]}

    assert tags() == {"owner": "a", "team": "ml"}
    proj.refresh()
    proj.preview("--expect-no-changes")  # no tags/tagsAll drift after refresh
    proj.set_program(prog("b"))
    pv = proj.preview()
    assert re.search(r"^\s*~ aws:iam/role:Role: \(update\)$", pv.stdout, re.M), pv
    proj.up()
    assert tags() == {"owner": "b", "team": "ml"}
    assert proj.resource(ROLE, "tagged")["outputs"]["tags"] == {"team": "ml"}
    proj.destroy()


def region_program(region):
    return f"""
import json
import pulumi
import pulumi_aws as aws
role = aws.iam.Role("role", assume_role_policy='{TRUST}')
pipeline = aws.sagemaker.Pipeline("pipe", pipeline_name="regional-pipe",
    pipeline_display_name="regional-pipe", role_arn=role.arn, region="{region}",
    pipeline_definition=json.dumps({{"Version": "2020-12-01", "Steps": []}}))
pulumi.export("arn", pipeline.arn)
pulumi.export("region", pipeline.region)
"""


def _pipelines(region):
    sm = boto3.client("sagemaker", region_name=region)
    return [p["PipelineName"] for p in sm.list_pipelines()["PipelineSummaries"]]


def test_a_resource_lives_in_its_own_region(make_project):
    """pulumi-aws 7's per-resource region: one provider (us-east-1) makes the pipeline
    in us-west-2; changing region replaces it, and the old one is deleted where it was."""
    proj = make_project(region_program("us-west-2"), providers=("aws",), name="regions")
    proj.up()
    out = proj.outputs()
    assert out["region"] == "us-west-2"
    assert ":us-west-2:" in out["arn"], out
    assert "regional-pipe" in _pipelines("us-west-2")
    assert "regional-pipe" not in _pipelines("us-east-1")
    # refresh reads it in its own region (not "gone")
    r = proj.refresh()
    assert "deleted" not in r.stdout, r
    assert proj.preview("--expect-no-changes").returncode == 0

    proj.set_program(region_program("eu-west-1"))
    pv = proj.preview()
    assert re.search(r"\+-.*aws:sagemaker/pipeline:Pipeline", pv.stdout), pv
    proj.up()
    assert "regional-pipe" in _pipelines("eu-west-1")
    assert "regional-pipe" not in _pipelines("us-west-2")
    proj.destroy()
    assert "regional-pipe" not in _pipelines("eu-west-1")
