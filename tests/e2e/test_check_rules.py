"""Every Check rule as a user meets it: `pulumi preview` of a pulumi_aws
program with one bad input fails, and the output names the property and the
rule. (The rules' edges are unit-tested in tests/unit; this proves each one
reaches the user through the real CLI.)"""
import json

import pytest

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})
DEF = json.dumps({"Version": "2020-12-01", "Steps": []})

ROLE_CASES = [
    ("assume_role_policy='not json'", ["assumeRolePolicy", "valid JSON"]),
    ("assume_role_policy='[1]'", ["assumeRolePolicy", "JSON object"]),
    ("assume_role_policy=TRUST, description='x' * 1001", ["description", "1000"]),
    ("assume_role_policy=TRUST, description='a \u201cquoted\u201d word'", ["description", "quote"]),
    ("assume_role_policy=TRUST, name='bad name'", ["name", "' ' is not allowed"]),
    ("assume_role_policy=TRUST, name='n' * 65", ["name", "64"]),
    ("assume_role_policy=TRUST, name='a', name_prefix='b'", ["name", "namePrefix"]),
    ("assume_role_policy=TRUST, name_prefix='p' * 39", ["namePrefix", "38"]),
    ("assume_role_policy=TRUST, path='no-slashes'", ["path", "/"]),
    ("assume_role_policy=TRUST, max_session_duration=100", ["maxSessionDuration", "3600 to 43200"]),
    ("assume_role_policy=TRUST, inline_policies=[{'name': 'bad name', 'policy': TRUST}]",
     ["inlinePolicies[0].name"]),
    ("assume_role_policy=TRUST, inline_policies=[{'name': 'p', 'policy': 'nope'}]",
     ["inlinePolicies[0].policy", "JSON"]),
    ("assume_role_policy=TRUST, managed_policy_arns=['not-an-arn']", ["managedPolicyArns", "ARN"]),
    ("assume_role_policy=TRUST, permissions_boundary='not-an-arn'", ["permissionsBoundary", "ARN"]),
    ("assume_role_policy=TRUST, tags={'k': 'v' * 257}", ["tags", "256"]),
]

PIPELINE_CASES = [
    ("pipeline_name='-starts-with-dash', pipeline_display_name='ok', pipeline_definition=DEF",
     ["pipelineName"]),
    ("pipeline_name='p' * 257, pipeline_display_name='ok', pipeline_definition=DEF",
     ["pipelineName", "256"]),
    ("pipeline_name='ok', pipeline_display_name='bad name', pipeline_definition=DEF",
     ["pipelineDisplayName"]),
    ("pipeline_name='ok', pipeline_display_name='ok'",
     ["pipelineDefinition", "pipelineDefinitionS3Location"]),
    ("pipeline_name='ok', pipeline_display_name='ok', pipeline_definition=DEF, "
     "pipeline_definition_s3_location={'bucket': 'b', 'objectKey': 'k'}",
     ["pipelineDefinition", "pipelineDefinitionS3Location"]),
    ("pipeline_name='ok', pipeline_display_name='ok', pipeline_definition='not json'",
     ["pipelineDefinition", "JSON"]),
    ("pipeline_name='ok', pipeline_display_name='ok', pipeline_definition=DEF, "
     "pipeline_description='d' * 3073", ["pipelineDescription", "3072"]),
    ("pipeline_name='ok', pipeline_display_name='ok', pipeline_definition=DEF, "
     "parallelism_configuration={'maxParallelExecutionSteps': 0}",
     ["maxParallelExecutionSteps"]),
]

ATTACHMENT_CASES = [
    ("role='r', policy_arn='not-an-arn'", ["policyArn"]),
]


def program(cls, args):
    return f"""
import json
import pulumi
import pulumi_aws as aws
TRUST = {TRUST!r}
DEF = {DEF!r}
aws.{cls}("x", {args})
"""


@pytest.mark.parametrize("cls,args,words",
                         [("iam.Role", a, w) for a, w in ROLE_CASES]
                         + [("sagemaker.Pipeline", a, w) for a, w in PIPELINE_CASES]
                         + [("iam.RolePolicyAttachment", a, w) for a, w in ATTACHMENT_CASES])
def test_bad_input_fails_check_naming_the_property(make_project, cls, args, words):
    proj = make_project(program(cls, args), providers=("aws",), name="rules")
    r = proj.preview(check=False)
    out = r.stdout + r.stderr
    assert r.returncode != 0, r
    for w in words:
        assert w in out, (w, r)
