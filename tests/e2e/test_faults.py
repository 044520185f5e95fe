"""Fault injection: the real Pulumi CLI drives awsml, whose AWS calls go through
tests/support/fault_proxy.py on their way to moto, and the proxy throttles, fails,
resets, stalls or cuts short chosen calls, before moto sees them or after moto
acted on them.

Each scenario asserts what a user needs from `pulumi up` under that fault: it
succeeds, or it fails with a message naming the resource and what went wrong;
either way every role, attachment and pipeline in moto is in the Pulumi state with
the same ID and everything in the state exists in moto (consistency.py: nothing
orphaned, nothing lost), and a re-run converges (`up` succeeds, then `preview
--expect-no-changes`).

The program is the seed's shape: a role, a policy attachment on it and a pipeline
using the role, through pulumi_aws (drop-in mode). The provider's HTTP timeout and
retry backoff are shortened with AWSML_HTTP_TIMEOUT_MS and AWSML_RETRY_BASE_MS (see
README, Configuration, Requests) so stalls and retries take seconds.
"""
import hashlib
import json
import os
import re
import sys
from pathlib import Path

import boto3
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from consistency import assert_consistent  # noqa: E402
from fault_proxy import FaultProxy  # noqa: E402

ROLE = "aws:iam/role:Role"
ATTACH = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
PIPE = "aws:sagemaker/pipeline:Pipeline"
POLICY_ARN = "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"
TIMEOUT_MS = 4000  # one attempt of one AWS call (moto answers in milliseconds)
STALL_S = 30       # longer than TIMEOUT_MS, shorter than the test's patience

PROGRAM = '''
import json
import pulumi
import pulumi_aws as aws

P = "{prefix}"
role = aws.iam.Role("role",
    name=P + "role",
    assume_role_policy=json.dumps({{
        "Version": "2012-10-17",
        "Statement": [{{"Effect": "Allow",
                        "Principal": {{"Service": "sagemaker.amazonaws.com"}},
                        "Action": "sts:AssumeRole"}}],
    }}))
attachment = aws.iam.RolePolicyAttachment("attachment",
    role=role.name,
    policy_arn="{policy_arn}")
pipeline = aws.sagemaker.Pipeline("pipeline",
    role_arn=role.arn,
    pipeline_name=P + "pipeline",
    pipeline_display_name=P + "pipeline",
    pipeline_description="trains the model",
    pipeline_definition=json.dumps({{
        "Version": "2020-12-01",
        "Steps": [{{"Name": "Train", "Type": "Training", "Arguments": {{}}}}],
    }}))
pulumi.export("pipeline_arn", pipeline.arn)
'''


@pytest.fixture(scope="module")
def proxy(moto_endpoint):
    """One proxy for the module (it outlives every project's cleanup)."""
    with FaultProxy(moto_endpoint) as p:
        yield p


@pytest.fixture
def faulty(make_project, proxy, request):
    """faulty(rules=None) -> a project whose AWS calls all go through the proxy, with
    names starting with its own prefix; the proxy starts with the given rules."""
    proxy.clear()

    def make(rules=None):
        node = request.node.name
        prefix = ("flt-" + re.sub(r"[^a-z0-9]", "", node.lower())[4:20] +
                  hashlib.sha1(node.encode()).hexdigest()[:6] + "-")
        proj = make_project(PROGRAM.format(prefix=prefix, policy_arn=POLICY_ARN),
                            providers=("aws",), name="faults")
        proj.prefix = prefix
        for var in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL_STS",
                    "AWS_ENDPOINT_URL_SAGEMAKER", "AWS_ENDPOINT_URL_S3",
                    "AWS_ENDPOINT_URL_KMS"):
            proj.env[var] = proxy.url
        proj.env["AWSML_HTTP_TIMEOUT_MS"] = str(TIMEOUT_MS)
        proj.env["AWSML_RETRY_BASE_MS"] = "50"
        proxy.set_rules(rules or [])
        return proj

    yield make
    proxy.clear()


def calls(proxy, action):
    """The proxy's log entries for one action, in order."""
    return [e for e in proxy.log() if e["action"] == action]


def everything(proj):
    return {"roles": [proj.prefix + "role"],
            "attachments": [f"{proj.prefix}role/{POLICY_ARN}"],
            "pipelines": [proj.prefix + "pipeline"]}


NOTHING = {"roles": [], "attachments": [], "pipelines": []}


def all_consistent(proj):
    """After the faulty run: the role, the attachment and the pipeline exist in moto
    and are in the state with the same IDs, nothing else is in either."""
    found = assert_consistent(proj, prefix=proj.prefix)
    assert found == everything(proj), found


def converges(proj, proxy, first_up_failed=False):
    """Faults off, the re-run converges: `up` succeeds, and then nothing is left to
    change; state and moto agree, with all three resources there exactly once.
    After a successful first `up` the second one must itself change nothing
    (`up --expect-no-changes`, which diffs as a preview does); after a failed one
    it completes the work and a `preview --expect-no-changes` follows."""
    proxy.set_rules([])
    if first_up_failed:
        proj.up()
        proj.preview("--expect-no-changes")
    else:
        proj.up("--expect-no-changes")
    all_consistent(proj)


# ---- faults that are retried: the user sees nothing -------------------------------------

def test_transient_faults_are_retried(faulty, proxy):
    """Throttling on CreateRole, 503 on CreatePipeline, 500 after moto attached the
    policy, a stall past the timeout on DescribePipeline and a truncated GetRole
    answer: all retried, `up` succeeds; then a truncated GetRole in refresh (Read)."""
    proj = faulty([
        {"action": "CreateRole", "fault": "throttle", "times": 2},
        {"action": "CreatePipeline", "fault": "503"},
        {"action": "AttachRolePolicy", "fault": "500", "when": "after"},
        {"action": "DescribePipeline", "fault": "stall", "stall_s": STALL_S},
        {"action": "GetRole", "fault": "truncate", "when": "after"},
    ])
    r = proj.up()
    seen = {a: [(c["fault"], c["upstream_status"], c["status"]) for c in calls(proxy, a)]
            for a in ("CreateRole", "CreatePipeline", "AttachRolePolicy", "DescribePipeline",
                      "GetRole")}
    assert seen["CreateRole"] == [("throttle", None, 400), ("throttle", None, 400),
                                  (None, 200, 200)], seen
    assert seen["CreatePipeline"] == [("503", None, 503), (None, 200, 200)], seen
    assert seen["AttachRolePolicy"] == [("500", 200, 500), (None, 200, 200)], seen
    assert seen["DescribePipeline"][:2] == [("stall", None, None), (None, 200, 200)], seen
    assert seen["GetRole"][:2] == [("truncate", 200, 200), (None, 200, 200)], seen
    assert "was lost" not in r.output, r  # retried calls need no lookup
    all_consistent(proj)

    proxy.clear()
    proxy.set_rules([{"action": "GetRole", "fault": "truncate", "when": "after"}])
    rf = proj.refresh()
    assert [c["fault"] for c in calls(proxy, "GetRole")][:2] == ["truncate", None], rf
    converges(proj, proxy)


def test_persistent_throttling_fails_clearly_and_leaves_nothing(faulty, proxy):
    proj = faulty([{"action": "CreateRole", "fault": "throttle", "times": 0}])
    r = proj.up(check=False)
    assert r.returncode != 0
    assert re.search(r"iam CreateRole failed: Throttling: Rate exceeded \(HTTP 400", r.output), r
    assert len(calls(proxy, "CreateRole")) == 3  # the default 3 attempts
    assert assert_consistent(proj, prefix=proj.prefix) == NOTHING
    converges(proj, proxy, first_up_failed=True)


# ---- creates whose effect is unknown: found and kept, never orphaned --------------------

def test_500_after_moto_created_the_role(faulty, proxy):
    # moto created the role, the provider hears 500 and retries; the retry hears
    # EntityAlreadyExists. The role is the one asked for, so it is taken as created.
    proj = faulty([{"action": "CreateRole", "fault": "500", "when": "after"}])
    r = proj.up()
    got = calls(proxy, "CreateRole")
    assert [(c["fault"], c["upstream_status"], c["status"]) for c in got] == [
        ("500", 200, 500), (None, 409, 409)], got
    assert "the answer to CreateRole was lost" in r.output, r
    all_consistent(proj)
    converges(proj, proxy)


@pytest.mark.parametrize("fault", ["reset", "truncate"])
def test_lost_answer_to_create_role(faulty, proxy, fault):
    # Not idempotent, so sent once (on a fresh connection, so libcurl cannot re-send
    # it either): the provider looks the role up by name and finds it.
    proj = faulty([{"action": "CreateRole", "fault": fault, "when": "after"}])
    r = proj.up()
    assert [c["fault"] for c in calls(proxy, "CreateRole")] == [fault], proxy.log()
    assert "the answer to CreateRole was lost" in r.output, r
    all_consistent(proj)
    converges(proj, proxy)


def test_reset_after_moto_created_the_pipeline(faulty, proxy):
    # CreatePipeline carries a ClientRequestToken, so it is retried; moto ignores the
    # token and says the pipeline exists: it is the one asked for, so it is kept.
    proj = faulty([{"action": "CreatePipeline", "fault": "reset", "when": "after"}])
    r = proj.up()
    got = calls(proxy, "CreatePipeline")
    assert got[0]["fault"] == "reset" and got[0]["upstream_status"] == 200, got
    assert got[-1]["fault"] is None and got[-1]["upstream_status"] == 400, got
    assert "the answer to CreatePipeline was lost" in r.output, r
    all_consistent(proj)
    converges(proj, proxy)


def test_stall_past_the_timeout_after_moto_created(faulty, proxy):
    # Both creates are answered by moto, and the answers never come back in time.
    proj = faulty([{"action": a, "fault": "stall", "when": "after", "stall_s": STALL_S}
                   for a in ("CreateRole", "CreatePipeline")])
    r = proj.up()
    assert [c["fault"] for c in calls(proxy, "CreateRole")] == ["stall"], proxy.log()
    assert calls(proxy, "CreatePipeline")[0]["fault"] == "stall", proxy.log()
    assert re.search(rf"the answer to CreateRole was lost \(.*timed out after {TIMEOUT_MS} ms",
                     r.output), r
    assert "the answer to CreatePipeline was lost" in r.output, r
    all_consistent(proj)
    converges(proj, proxy)


def test_stall_on_create_role_before_moto_saw_it(faulty, proxy):
    # The request never reached moto: the create times out, nothing exists, and the
    # user is told which call timed out; nothing is in the state either.
    proj = faulty([{"action": "CreateRole", "fault": "stall", "stall_s": STALL_S}])
    r = proj.up(check=False)
    assert r.returncode != 0, r
    assert re.search(rf"iam CreateRole: request to \S+ timed out after {TIMEOUT_MS} ms",
                     r.output), r
    assert assert_consistent(proj, prefix=proj.prefix) == NOTHING
    assert not proj.resources(ROLE)
    converges(proj, proxy, first_up_failed=True)


def test_create_role_failing_after_a_foreign_role_appeared(faulty, proxy):
    # A role of the same name made outside Pulumi (another trust policy) is not taken
    # over when CreateRole's answer is lost: up fails naming it, and it is left alone.
    proj = faulty([{"action": "CreateRole", "fault": "500", "when": "after"}])
    iam = boto3.client("iam", endpoint_url=os.environ["MOTO_ENDPOINT"])
    other = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
        "Action": "sts:AssumeRole"}]})
    iam.create_role(RoleName=proj.prefix + "role", AssumeRolePolicyDocument=other)
    try:
        r = proj.up(check=False)
        assert r.returncode != 0, r
        assert f"iam role {proj.prefix}role: CreateRole failed" in r.output, r
        assert "a role of that name exists that this update did not create (its trust policy " \
               "differs" in r.output, r
        assert not proj.resources(ROLE) and not proj.resources(PIPE)
        doc = iam.get_role(RoleName=proj.prefix + "role")["Role"]["AssumeRolePolicyDocument"]
        assert doc["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    finally:
        iam.delete_role(RoleName=proj.prefix + "role")
    converges(proj, proxy, first_up_failed=True)


# ---- the attach and delete paths ----------------------------------------------------------

def test_attach_failing_on_every_attempt_after_moto_attached(faulty, proxy):
    # Every attempt is reset after moto attached: the attachment is looked up, found
    # (it was not attached before this create) and kept.
    proj = faulty([{"action": "AttachRolePolicy", "fault": "reset", "when": "after",
                    "times": 0}])
    r = proj.up()
    got = [c["fault"] for c in calls(proxy, "AttachRolePolicy")]
    assert got == ["reset"] * 3, got  # the default 3 attempts
    assert "the answer to AttachRolePolicy was lost" in r.output, r
    all_consistent(proj)
    converges(proj, proxy)


def test_faults_on_the_delete_path(faulty, proxy):
    # Each delete is answered by moto, then the answer is lost: retried (all three
    # are idempotent), the retry hears "not found", which is success for a delete.
    proj = faulty()
    proj.up()
    proxy.set_rules([
        {"action": "DetachRolePolicy", "fault": "500", "when": "after"},
        {"action": "DeletePipeline", "fault": "reset", "when": "after"},
        {"action": "DeleteRole", "fault": "stall", "when": "after", "stall_s": STALL_S},
    ])
    proj.destroy()
    log = proxy.log()
    for action, fault in (("DetachRolePolicy", "500"), ("DeletePipeline", "reset"),
                          ("DeleteRole", "stall")):
        got = [c for c in log if c["action"] == action]
        assert got and got[0]["fault"] == fault and got[0]["upstream_status"] == 200, log
    assert not [r for r in proj.resources() if not r["type"].startswith("pulumi:")]
    assert assert_consistent(proj, prefix=proj.prefix) == NOTHING


def test_delete_that_keeps_failing_fails_clearly_and_keeps_the_role(faulty, proxy):
    proj = faulty()
    proj.up()
    proxy.set_rules([{"action": "DeleteRole", "fault": "503", "times": 0}])
    r = proj.destroy(check=False)
    assert r.returncode != 0, r
    assert re.search(r"iam DeleteRole failed: ServiceUnavailable: .*\(HTTP 503", r.output), r
    # The pipeline and the attachment went; the role stays, in moto and in the state.
    found = assert_consistent(proj, prefix=proj.prefix)
    assert found == {"roles": [proj.prefix + "role"], "attachments": [], "pipelines": []}
    proxy.set_rules([])
    proj.destroy()
    assert assert_consistent(proj, prefix=proj.prefix) == NOTHING
