"""The four functions through the real CLI against moto, in one program that
calls each of them twice: through pulumi_aws (drop-in mode, aws: tokens served
by awsml) and through the generated pulumi_awsml SDK (awsml: tokens), both in
plain and output form. The exports are asserted against moto (the account),
the policy text pulumi-aws writes for the same statements, and each other; a
role whose trust policy is getPolicyDocument's JSON shows no change on the
next preview; a bad argument stops the preview with the argument's path."""
import json

import boto3

from test_awsml_sdk import awsml_sdk  # noqa: F401 - the wheel's install, a fixture

ROLE = "aws:iam/role:Role"

PROGRAM = '''
import pulumi
import pulumi_aws as aws
import pulumi_awsml as awsml

EFFECT = "Allow"

for tag, mod in (("aws", aws), ("awsml", awsml)):
    iam = mod.iam
    me = mod.get_caller_identity()
    part = mod.get_partition()
    here = mod.get_region()
    there = mod.get_region(region="eu-west-1")
    trust = iam.get_policy_document(statements=[iam.GetPolicyDocumentStatementArgs(
        effect=EFFECT,
        actions=["sts:AssumeRole"],
        principals=[iam.GetPolicyDocumentStatementPrincipalArgs(
            type="Service", identifiers=["sagemaker.amazonaws.com"])],
        conditions=[iam.GetPolicyDocumentStatementConditionArgs(
            test="StringEquals", variable="aws:SourceAccount", values=[me.account_id])])])
    access = iam.get_policy_document_output(statements=[
        {"sid": "Read", "actions": ["s3:GetObject", "s3:ListBucket"],
         "resources": ["arn:aws:s3:::artifacts", "arn:aws:s3:::artifacts/*"]},
        iam.GetPolicyDocumentStatementArgs(effect="Deny", not_actions=["s3:*"], resources=["*"]),
    ])
    pulumi.export(f"{tag}_account", me.account_id)
    pulumi.export(f"{tag}_arn", me.arn)
    pulumi.export(f"{tag}_user", me.user_id)
    pulumi.export(f"{tag}_partition", [part.partition, part.dns_suffix, part.reverse_dns_prefix])
    pulumi.export(f"{tag}_region", [here.region, here.name, here.endpoint, here.description])
    pulumi.export(f"{tag}_there", [there.region, there.description])
    pulumi.export(f"{tag}_trust", trust.json)
    pulumi.export(f"{tag}_trust_min", trust.minified_json)
    pulumi.export(f"{tag}_trust_id", trust.id)
    pulumi.export(f"{tag}_access", access.minified_json)

role = aws.iam.Role("fn-role", assume_role_policy=aws.iam.get_policy_document(
    statements=[{"actions": ["sts:AssumeRole"],
                 "principals": [{"type": "Service", "identifiers": ["sagemaker.amazonaws.com"]}]}]).json)
pulumi.export("role", role.name)
'''

# What pulumi-aws writes for the trust statement (policy_model.go: one action
# and one identifier are strings, conditions grouped by test and variable;
# encoding/json MarshalIndent with two spaces).
TRUST = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "sts:AssumeRole",
      "Principal": {
        "Service": "sagemaker.amazonaws.com"
      },
      "Condition": {
        "StringEquals": {
          "aws:SourceAccount": "%s"
        }
      }
    }
  ]
}"""

# Sets in reverse order, Sid first, NotAction after Action's place.
ACCESS = ('{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":'
          '["s3:ListBucket","s3:GetObject"],"Resource":["arn:aws:s3:::artifacts/*",'
          '"arn:aws:s3:::artifacts"]},{"Effect":"Deny","NotAction":"s3:*","Resource":"*"}]}')


def test_functions_in_dropin_mode_and_through_pulumi_awsml(make_project, awsml_sdk):  # noqa: F811
    proj = make_project(PROGRAM, providers=("aws", "awsml"), name="functions")
    proj.env["PYTHONPATH"] = str(awsml_sdk)
    me = boto3.client("sts").get_caller_identity()

    proj.up()
    out = proj.outputs()
    for tag in ("aws", "awsml"):
        assert out[f"{tag}_account"] == me["Account"]
        assert out[f"{tag}_arn"] == me["Arn"] and out[f"{tag}_user"] == me["UserId"]
        assert out[f"{tag}_partition"] == ["aws", "amazonaws.com", "com.amazonaws"]
        assert out[f"{tag}_region"] == ["us-east-1", "us-east-1", "ec2.us-east-1.amazonaws.com",
                                        "US East (N. Virginia)"]
        assert out[f"{tag}_there"] == ["eu-west-1", "Europe (Ireland)"]
        assert out[f"{tag}_trust"] == TRUST % me["Account"]
        assert out[f"{tag}_trust_min"] == json.dumps(json.loads(TRUST % me["Account"]),
                                                     separators=(",", ":"))
        assert out[f"{tag}_access"] == ACCESS
    assert out["aws_trust_id"] == out["awsml_trust_id"] and out["aws_trust_id"].isdigit()
    role = boto3.client("iam").get_role(RoleName=out["role"])["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "sagemaker.amazonaws.com"}
    # The functions give the same text again: nothing to change.
    proj.preview("--expect-no-changes")

    # A bad argument stops the preview, naming the argument and the rule.
    proj.set_program(PROGRAM.replace('EFFECT = "Allow"', 'EFFECT = "Permit"'))
    r = proj.preview(check=False)
    assert r.returncode != 0
    text = r.stdout + r.stderr
    assert "statements[0].effect" in text and "must be one of Allow, Deny" in text, text

    proj.set_program(PROGRAM)
    proj.destroy()
    assert proj.resources(ROLE) == []


def test_function_names_and_arguments_mirror_pulumi_aws(awsml_sdk):  # noqa: F811
    """The generated functions and their types have pulumi_aws's modules, names and
    parameters (plain and output forms)."""
    import os
    import subprocess
    import sys
    code = """
import inspect, pulumi_aws as a, pulumi_awsml as m
pairs = [(m.get_caller_identity, a.get_caller_identity), (m.get_partition, a.get_partition),
         (m.get_region, a.get_region), (m.iam.get_policy_document, a.iam.get_policy_document)]
pairs += [(getattr(m, f.__name__ + "_output", None) or getattr(m.iam, f.__name__ + "_output"),
           getattr(a, g.__name__ + "_output", None) or getattr(a.iam, g.__name__ + "_output"))
          for f, g in list(pairs)]
for ours, theirs in pairs:
    assert ours.__name__ == theirs.__name__, (ours, theirs)
    assert ours.__module__.replace("pulumi_awsml", "pulumi_aws") == theirs.__module__, ours
    assert list(inspect.signature(ours).parameters) == list(inspect.signature(theirs).parameters), ours
for n in ("GetPolicyDocumentStatementArgs", "GetPolicyDocumentStatementPrincipalArgs",
          "GetPolicyDocumentStatementNotPrincipalArgs", "GetPolicyDocumentStatementConditionArgs"):
    assert (list(inspect.signature(getattr(m.iam, n).__init__).parameters)
            == list(inspect.signature(getattr(a.iam, n).__init__).parameters)), n
for n in ("GetCallerIdentityResult", "GetPartitionResult", "GetRegionResult"):
    assert (set(inspect.signature(getattr(m, n).__init__).parameters)
            == set(inspect.signature(getattr(a, n).__init__).parameters)), n
assert (set(inspect.signature(m.iam.GetPolicyDocumentResult.__init__).parameters)
        == set(inspect.signature(a.iam.GetPolicyDocumentResult.__init__).parameters))
print("ok")
"""
    env = dict(os.environ, PYTHONPATH=str(awsml_sdk))
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stdout + r.stderr
