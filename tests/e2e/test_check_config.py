"""Bad provider configuration through the real CLI: CheckConfig reports one failure per bad
key, so `pulumi preview` stops before Configure and shows each key with its rule, for the
drop-in default provider (aws:*), the awsml default provider (awsml:*) and an explicit
provider resource (whose non-string values the SDK sends JSON-encoded)."""
import json

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})

REGION_RULE = ('invalid AWS region "moon-1": expected the form ^[a-z]{2}(-[a-z]+)+-[0-9]+$ such '
               "as us-east-1 or eu-central-2; set skipRegionValidation to use it anyway "
               "(from provider config)")
MAX_RETRIES_RULE = "provider config 'maxRetries' must be a whole number from 0 to 100"
SUPPRESS_RULE = ("provider config securityAdvisorSuppress[0]: 'NOPE-1' is not a rule ID "
                 "(see the README's advisor rules)")
RETRY_MODE_RULE = "provider config 'retryMode' must be standard or adaptive"
ASSUME_ROLES_RULE = "assumeRoles[0].roleArn is required"


def failed_lines(out, provider_type):
    """The CLI's lines for CheckConfig failures of the provider: {key: line}."""
    lines = {}
    for line in out.splitlines():
        if f"{provider_type} resource '" in line and ": property " in line:
            key = line.split(": property ", 1)[1].split(" ", 1)[0]
            assert key not in lines, f"{key} reported twice:\n{out}"
            lines[key] = line
    return lines


def test_drop_in_default_provider_names_each_bad_key(make_project):
    proj = make_project(f"""
import pulumi_aws as aws
aws.iam.Role("r", assume_role_policy={TRUST!r})
""", providers=("aws",), name="cc-dropin")
    proj.config_set("aws:region", "moon-1")
    proj.config_set("aws:maxRetries", "101")
    proj.config_set("aws:securityAdvisorSuppress", '["NOPE-1"]')
    proj.pulumi("config", "set", "--path", "aws:securityAdvisorRules.AWSML-IAM-014.maxSessionDuration",
                "99")
    r = proj.preview(check=False)
    out = r.stdout + r.stderr
    assert r.returncode != 0, r
    lines = failed_lines(out, "pulumi:providers:aws")
    assert sorted(lines) == ["maxRetries", "region", "securityAdvisorRules",
                             "securityAdvisorSuppress"], r
    assert lines["securityAdvisorRules"].endswith(
        "has a problem: provider config securityAdvisorRules.AWSML-IAM-014.maxSessionDuration: "
        "99 is below 3600, the shortest maximum session duration IAM allows a role (3600..43200 "
        "seconds)"), r
    assert lines["region"].endswith(f"has a problem: {REGION_RULE}"), r
    assert lines["maxRetries"].endswith(f"has a problem: {MAX_RETRIES_RULE}"), r
    assert lines["securityAdvisorSuppress"].endswith(f"has a problem: {SUPPRESS_RULE}"), r
    # The plan stopped at CheckConfig: Configure (and its STS call) never ran.
    assert "validating AWS credentials" not in out, r


def test_awsml_default_provider_and_an_explicit_provider(make_project):
    proj = make_project(f"""
import pulumi
# The awsml default provider, configured from awsml:* keys.
pulumi.CustomResource("awsml:iam/role:Role", "r", {{"assumeRolePolicy": {TRUST!r}}})
""", providers=("awsml",), name="cc-awsml",
                        extra_yaml="config:\n  awsml:maxRetries:\n    value: -3\n")
    proj.config_set("awsml:retryMode", "fast")
    r = proj.preview(check=False)
    assert r.returncode != 0, r
    lines = failed_lines(r.stdout + r.stderr, "pulumi:providers:awsml")
    assert sorted(lines) == ["maxRetries", "retryMode"], r
    assert lines["maxRetries"].endswith(f"has a problem: {MAX_RETRIES_RULE}"), r
    assert lines["retryMode"].endswith(f"has a problem: {RETRY_MODE_RULE}"), r

    # An explicit provider: the SDK sends numbers and lists JSON-encoded.
    proj.set_program(f"""
import pulumi
p = pulumi.ProviderResource("awsml", "explicit", {{
    "region": "us-east-1",
    "maxRetries": 101,
    "assumeRoles": [{{"sessionName": "s"}}],
    "skipCredentialsValidation": True,
}})
pulumi.CustomResource("awsml:iam/role:Role", "r", {{"assumeRolePolicy": {TRUST!r}}},
                      opts=pulumi.ResourceOptions(provider=p))
""")
    proj.pulumi("config", "rm", "awsml:retryMode")
    r = proj.preview(check=False)
    assert r.returncode != 0, r
    lines = failed_lines(r.stdout + r.stderr, "pulumi:providers:awsml")
    assert sorted(lines) == ["assumeRoles", "maxRetries"], r
    assert "resource 'explicit'" in lines["maxRetries"], r
    assert lines["maxRetries"].endswith(f"has a problem: {MAX_RETRIES_RULE}"), r
    assert lines["assumeRoles"].endswith(f"has a problem: {ASSUME_ROLES_RULE}"), r
