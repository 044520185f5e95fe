"""The policy pack (issue 14) through the real CLI: `pulumi preview --policy-pack
<dir>/pulumi-analyzer-awsml` shows the advisor's findings under "Policies"
(advisory), a rule made mandatory by --policy-pack-config fails the preview,
the secure example has no policy finding, and a stack-level rule links a
pipeline to a bucket of the same stack. Previews only: nothing is created."""
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from test_advisor import SEED, secure_project

ROOT = Path(__file__).resolve().parents[2]

# Under "Policies:" the CLI prints, per finding,
#     - [advisory] [severity: medium]  AWSML-IAM-001  (aws:iam:Role: SageMakerRole)
#       assumeRolePolicy: The trust policy ... Fix: ...
POLICY_LINE = re.compile(
    r"^\s*- \[(advisory|mandatory)\] \[severity: (\w+)\]\s+(AWSML-[A-Z]+-\d+)\s+\((\S+): ([^)]+)\)",
    re.M)


# The version the fixture's PulumiPolicy.yaml gives the pack, which the CLI then shows.
PACK_YAML_VERSION = "0.1.0-packyaml"


@pytest.fixture(scope="module")
def pack(awsml_bin, tmp_path_factory):
    """The binary under test under the pack's name (the name selects the Analyzer
    service), with the PulumiPolicy.yaml `make dist` ships beside it;
    AWSML_ANALYZER overrides, e.g. with build/analyzer/pulumi-analyzer-awsml."""
    if os.environ.get("AWSML_ANALYZER"):
        return Path(os.environ["AWSML_ANALYZER"]).resolve()
    d = tmp_path_factory.mktemp("pack")
    exe = d / "pulumi-analyzer-awsml"
    exe.symlink_to(awsml_bin)
    yaml = subprocess.run(["bash", str(ROOT / "scripts" / "dist.sh"), "policy-yaml",
                           PACK_YAML_VERSION], check=True, capture_output=True, text=True).stdout
    (d / "PulumiPolicy.yaml").write_text(yaml)
    return exe


def policies(text):
    """(level, severity, rule, type as the CLI shows it, name) under "Policies:"."""
    if "Policies:" not in text:
        return []
    section = text.split("Policies:", 1)[1].split("Diagnostics:", 1)[0]
    return sorted(POLICY_LINE.findall(section))


def test_seed_findings_under_policies_and_a_mandatory_rule(make_project, pack, tmp_path):
    proj = make_project(SEED, providers=("aws",), name="pack-seed")
    pv = proj.pulumi("preview", "--policy-pack", str(pack))
    out = pv.stdout + pv.stderr
    assert "Policies:" in out, pv
    found = policies(out)
    # The advisor's per-resource findings on the seed, as Check reports them.
    assert found == [
        ("advisory", "low", "AWSML-IAM-013", "aws:iam:Role", "SageMakerRole"),
        ("advisory", "low", "AWSML-SM-006", "aws:sagemaker:Pipeline", "SageMakerPipeline"),
        ("advisory", "medium", "AWSML-IAM-001", "aws:iam:Role", "SageMakerRole"),
        ("advisory", "medium", "AWSML-IAM-012", "aws:iam:RolePolicyAttachment",
         "SageMakerPolicyAttachment"),
    ], out
    if not os.environ.get("AWSML_ANALYZER"):  # PulumiPolicy.yaml's version is the pack's
        assert re.search(rf"awsml@v{re.escape(PACK_YAML_VERSION)} ", out), out
    assert re.search(r"AWSML-IAM-001  \(aws:iam:Role: SageMakerRole\)\n\s+assumeRolePolicy: The "
                     r"trust policy .* Fix: Add a Condition", out), out

    # One rule mandatory, one disabled: the preview fails with the CLI's usual error.
    cfg = tmp_path / "policy-config.json"
    cfg.write_text(json.dumps({"AWSML-IAM-001": "mandatory",
                               "AWSML-SM-006": {"enforcementLevel": "disabled"}}))
    bad = proj.pulumi("preview", "--policy-pack", str(pack), "--policy-pack-config", str(cfg), check=False)
    out = bad.stdout + bad.stderr
    assert bad.returncode != 0, bad
    assert re.search(r"\[mandatory\] \[severity: medium\]\s+AWSML-IAM-001", out), out
    found = policies(out)
    assert ("mandatory", "medium", "AWSML-IAM-001", "aws:iam:Role", "SageMakerRole") in found, out
    assert "AWSML-SM-006" not in [f[2] for f in found], out
    assert "error: preview failed" in out, out

    # Rule properties: allowing AmazonSageMakerFullAccess silences AWSML-IAM-012 only.
    cfg.write_text(json.dumps({"AWSML-IAM-012": {"enforcementLevel": "advisory",
                                                 "allowedPolicies": ["AmazonSageMakerFullAccess"]}}))
    ok = proj.pulumi("preview", "--policy-pack", str(pack), "--policy-pack-config", str(cfg))
    out = ok.stdout + ok.stderr
    assert [f[2] for f in policies(out)] == ["AWSML-IAM-013", "AWSML-SM-006", "AWSML-IAM-001"], out
    assert "security advisor [AWSML-IAM-012" in out, "Check is not given the pack's config"
    # The provider's own key gives Check the same property, through the same parser.
    proj.pulumi("config", "set", "--path",
                "aws:securityAdvisorRules.AWSML-IAM-012.allowedPolicies[0]",
                "AmazonSageMakerFullAccess")
    ok = proj.pulumi("preview", "--policy-pack", str(pack), "--policy-pack-config", str(cfg))
    out = ok.stdout + ok.stderr
    assert "security advisor [AWSML-IAM-012" not in out, out
    assert "security advisor [AWSML-IAM-001" in out, out
    proj.pulumi("config", "rm", "aws:securityAdvisorRules")
    # A value the property's schema refuses: the CLI stops before any Analyze, naming it.
    cfg.write_text(json.dumps({"AWSML-IAM-014": {"maxSessionDuration": "long"}}))
    bad = proj.pulumi("preview", "--policy-pack", str(pack), "--policy-pack-config", str(cfg),
                      check=False)
    out = bad.stdout + bad.stderr
    assert bad.returncode != 0, bad
    assert re.search(r"error: validating policy config: awsml \S+  AWSML-IAM-014: "
                     r"maxSessionDuration: Invalid type\. Expected: integer, given: string", out), out

    # A policy name the pack does not have: the run fails naming it.
    cfg.write_text(json.dumps({"all": "advisory", "AWSML-NOPE-001": "mandatory"}))
    bad = proj.pulumi("preview", "--policy-pack", str(pack), "--policy-pack-config", str(cfg),
                      check=False)
    assert bad.returncode != 0, bad
    assert "'AWSML-NOPE-001' is not a policy of the awsml pack" in bad.stdout + bad.stderr, bad


def test_secure_example_has_no_policy_findings(make_project, pack):
    proj = secure_project(make_project, "pack-secure")
    pv = proj.pulumi("preview", "--policy-pack", str(pack))
    out = pv.stdout + pv.stderr
    assert policies(out) == [] and "[advisory]" not in out and "[mandatory]" not in out, out


STACK_PROGRAM = """
import pulumi_aws as aws

defs = aws.s3.Bucket("defs")
aws.sagemaker.Pipeline("pipe",
    role_arn="arn:aws:iam::123456789012:role/PipelineRole",
    pipeline_name="StackRulePipeline",
    pipeline_display_name="StackRulePipeline",
    pipeline_definition_s3_location={"bucket": defs.bucket, "object_key": "def.json"})
"""


def test_stack_rule_links_a_pipeline_to_its_unencrypted_bucket(make_project, pack):
    proj = make_project(STACK_PROGRAM, providers=("aws",), name="pack-stack")
    pv = proj.pulumi("preview", "--policy-pack", str(pack))
    out = pv.stdout + pv.stderr
    assert ("AWSML-STACK-001", "aws:sagemaker:Pipeline", "pipe") in \
        [(f[2], f[3], f[4]) for f in policies(out)], out
