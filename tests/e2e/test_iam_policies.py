"""aws:iam/policy:Policy and aws:iam/rolePolicy:RolePolicy through the real CLI and
pulumi_aws against moto, in one stack: create, a no-change preview, refresh without
drift, an equal document written differently (no diff), six document updates in a row
(IAM keeps five versions), a replace by name, bad input, import of both, destroy."""
import json
import re
import sys
from pathlib import Path

import boto3
import pytest

POLICY_T = "aws:iam/policy:Policy"
ROLE_POLICY_T = "aws:iam/rolePolicy:RolePolicy"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})
ROLE = "iampol-role"


def doc(bucket, compact=True):
    """The policy for one bucket: compact with one-element lists, or (compact=False)
    the same document with other key order, spacing and scalars for those lists."""
    if compact:
        return json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": ["s3:GetObject"],
            "Resource": [f"arn:aws:s3:::{bucket}/*"]}]}, separators=(",", ":"))
    return json.dumps({"Statement": {"Resource": f"arn:aws:s3:::{bucket}/*",
                                     "Action": "s3:GetObject", "Effect": "Allow"},
                       "Version": "2012-10-17"}, indent=3)


def program(bucket="b0", inline_bucket="i0", name="iampol-p", compact=True, delay=None,
            tags="{'team': 'ml'}", path="/awsml/", inline_name="inline1"):
    extra = f", delay_after_policy_creation_in_ms={delay}" if delay is not None else ""
    return f"""
import pulumi
import pulumi_aws as aws
role = aws.iam.Role("role", name="{ROLE}", assume_role_policy='{TRUST}')
p = aws.iam.Policy("p", name="{name}", path="{path}", description="scoped read",
                   policy={doc(bucket, compact)!r}, tags={tags}{extra})
rp = aws.iam.RolePolicy("rp", role=role.id, name="{inline_name}",
                        policy={doc(inline_bucket, compact)!r})
pulumi.export("arn", p.arn)
pulumi.export("policyId", p.policy_id)
pulumi.export("attachmentCount", p.attachment_count)
pulumi.export("rp", rp.id)
"""


def default_doc(iam, arn):
    pol = iam.get_policy(PolicyArn=arn)["Policy"]
    v = iam.get_policy_version(PolicyArn=arn, VersionId=pol["DefaultVersionId"])
    d = v["PolicyVersion"]["Document"]
    return d if isinstance(d, dict) else json.loads(d)


def inline_doc(iam, name="inline1", role=ROLE):
    d = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
    return d if isinstance(d, dict) else json.loads(d)


def statement(d):
    s = d["Statement"]
    s = s[0] if isinstance(s, list) else s
    r = s["Resource"]
    return r[0] if isinstance(r, list) else r


def test_policy_and_role_policy_lifecycle(make_project):
    iam = boto3.client("iam")
    proj = make_project(program(), providers=("aws",), name="iampol")

    # ---- create -----------------------------------------------------------------------
    proj.up()
    out = proj.outputs()
    arn = out["arn"]
    assert arn == "arn:aws:iam::123456789012:policy/awsml/iampol-p"
    assert out["policyId"] and out["attachmentCount"] == 0
    assert out["rp"] == f"{ROLE}:inline1"
    pol = iam.get_policy(PolicyArn=arn)["Policy"]
    assert pol["Path"] == "/awsml/" and pol["Description"] == "scoped read"
    assert statement(default_doc(iam, arn)) == "arn:aws:s3:::b0/*"
    tags = iam.list_policy_tags(PolicyArn=arn)["Tags"]
    assert tags == [{"Key": "team", "Value": "ml"}]
    assert statement(inline_doc(iam)) == "arn:aws:s3:::i0/*"
    st = proj.resource(POLICY_T, "p")
    assert st["id"] == arn
    assert st["outputs"]["policy"] == doc("b0")  # the user's text, not AWS's
    assert st["outputs"]["tagsAll"] == {"team": "ml"}

    # ---- no changes, refresh without drift, an equal document written differently ----
    proj.preview("--expect-no-changes")
    proj.refresh("--expect-no-changes")
    proj.preview("--expect-no-changes")
    proj.set_program(program(compact=False))
    proj.preview("--expect-no-changes")
    proj.up("--expect-no-changes")
    assert len(iam.list_policy_versions(PolicyArn=arn)["Versions"]) == 1

    # ---- six document updates in a row: IAM keeps five versions -------------------------
    for i in range(1, 7):
        delay = 20 if i >= 5 else None  # the last ones through SetDefaultPolicyVersion
        tags = "{'team': 'ml', 'round': '%d'}" % i
        proj.set_program(program(bucket=f"b{i}", inline_bucket=f"i{i}", delay=delay, tags=tags))
        pv = proj.preview()
        assert re.search(r"^\s*~ aws:iam/policy:Policy: \(update\)$", pv.stdout, re.M), pv
        assert "+-" not in pv.stdout, pv
        proj.up()
        assert statement(default_doc(iam, arn)) == f"arn:aws:s3:::b{i}/*"
        assert statement(inline_doc(iam)) == f"arn:aws:s3:::i{i}/*"
        versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
        assert len(versions) == min(i + 1, 5), versions
        tags = {t["Key"]: t["Value"] for t in iam.list_policy_tags(PolicyArn=arn)["Tags"]}
        assert tags == {"team": "ml", "round": str(i)}
    assert proj.outputs()["arn"] == arn  # updated in place, never replaced
    proj.preview("--expect-no-changes")
    proj.refresh("--expect-no-changes")

    # ---- replace by name ------------------------------------------------------------------
    proj.set_program(program(bucket="b6", inline_bucket="i6", name="iampol-p2", delay=20,
                             tags="{'team': 'ml', 'round': '6'}", inline_name="inline2"))
    pv = proj.preview()
    assert re.search(r"\+-\s*aws:iam/policy:Policy: \(replace\)", pv.stdout), pv
    assert re.search(r"\+-\s*aws:iam/rolePolicy:RolePolicy: \(replace\)", pv.stdout), pv
    proj.up()
    arn2 = proj.outputs()["arn"]
    assert arn2.endswith(":policy/awsml/iampol-p2")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_policy(PolicyArn=arn)
    assert iam.list_role_policies(RoleName=ROLE)["PolicyNames"] == ["inline2"]
    proj.preview("--expect-no-changes")

    # ---- bad input: the error names the property and the rule -------------------------------
    proj.set_program(program(name="iampol-p2", path="no-slashes", inline_name="inline2"))
    r = proj.preview(check=False)
    assert r.returncode != 0
    assert "path" in r.output and "must start and end with /" in r.output, r
    proj.set_program(program(name="iampol-p2", inline_name="bad name!"))
    r = proj.preview(check=False)
    assert r.returncode != 0
    assert "name" in r.output and "' ' is not allowed" in r.output, r
    proj.set_program(program(bucket="b6", inline_bucket="i6", name="iampol-p2", delay=20,
                             tags="{'team': 'ml', 'round': '6'}", inline_name="inline2"))

    # ---- import both (made outside Pulumi), and a bad import ID -----------------------------
    iam.create_role(RoleName="iampol-outside", AssumeRolePolicyDocument=TRUST)
    made = iam.create_policy(PolicyName="made-outside", PolicyDocument=doc("x"),
                             Description="by hand", Tags=[{"Key": "k", "Value": "v"}])
    out_arn = made["Policy"]["Arn"]
    iam.put_role_policy(RoleName="iampol-outside", PolicyName="by-hand", PolicyDocument=doc("y"))
    proj.import_(POLICY_T, "imported-p", out_arn, generate_code=False)
    st = proj.resource(POLICY_T, "imported-p")
    assert st["id"] == out_arn
    assert st["inputs"]["name"] == "made-outside" and st["inputs"]["description"] == "by hand"
    assert st["inputs"]["path"] == "/" and st["inputs"]["tags"] == {"k": "v"}
    assert statement(json.loads(st["inputs"]["policy"])) == "arn:aws:s3:::x/*"
    proj.import_(ROLE_POLICY_T, "imported-rp", "iampol-outside:by-hand", generate_code=False)
    st = proj.resource(ROLE_POLICY_T, "imported-rp")
    assert st["id"] == "iampol-outside:by-hand"
    assert st["inputs"]["role"] == "iampol-outside" and st["inputs"]["name"] == "by-hand"
    assert statement(json.loads(st["inputs"]["policy"])) == "arn:aws:s3:::y/*"
    r = proj.import_(ROLE_POLICY_T, "bad-id", "no-colon-here", generate_code=False, check=False)
    assert r.returncode != 0 and "is not <role-name>:<policy-name>" in r.output, r
    r = proj.import_(POLICY_T, "bad-arn", "not-an-arn", generate_code=False, check=False)
    assert r.returncode != 0 and "is not a policy ARN" in r.output, r

    # ---- destroy: everything goes, the imported ones too ------------------------------------
    proj.destroy()
    for a in (arn2, out_arn):
        with pytest.raises(iam.exceptions.NoSuchEntityException):
            iam.get_policy(PolicyArn=a)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName=ROLE)
    assert iam.list_role_policies(RoleName="iampol-outside")["PolicyNames"] == []
    iam.delete_role(RoleName="iampol-outside")


def test_lost_create_policy_answers(make_project, moto_endpoint):
    """CreatePolicy is not idempotent: when its answer is lost after moto made the
    policy, the provider looks it up by name and path and keeps it (nothing orphaned,
    nothing made twice); a policy of that name made outside Pulumi with another
    document is left alone, and the error names it and how to import it."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
    from fault_proxy import FaultProxy  # noqa: E402

    iam = boto3.client("iam")
    with FaultProxy(moto_endpoint) as proxy:
        def faulty(name, rules):
            proj = make_project(f"""
import pulumi
import pulumi_aws as aws
p = aws.iam.Policy("p", name="{name}", policy={doc("lost")!r})
pulumi.export("arn", p.arn)
""", providers=("aws",), name=name)
            for var in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL_STS"):
                proj.env[var] = proxy.url
            proj.env["AWSML_HTTP_TIMEOUT_MS"] = "4000"
            proj.env["AWSML_RETRY_BASE_MS"] = "50"
            proxy.clear()
            proxy.set_rules(rules)
            return proj

        proj = faulty("lost-answer", [{"action": "CreatePolicy", "fault": "reset",
                                       "when": "after"}])
        r = proj.up()
        assert [e["fault"] for e in proxy.log() if e["action"] == "CreatePolicy"] == ["reset"]
        assert "the answer to CreatePolicy was lost" in r.output, r
        arn = proj.outputs()["arn"]
        assert proj.resource(POLICY_T, "p")["id"] == arn
        assert [p["Arn"] for p in iam.list_policies(Scope="Local")["Policies"]
                if p["PolicyName"] == "lost-answer"] == [arn]
        proxy.set_rules([])
        proj.up("--expect-no-changes")
        proj.destroy()

        other = iam.create_policy(PolicyName="foreign-one", PolicyDocument=doc("other"))
        proj = faulty("foreign-one", [{"action": "CreatePolicy", "fault": "500",
                                       "when": "after"}])
        r = proj.up(check=False)
        assert r.returncode != 0, r
        assert "its document differs" in r.output, r
        assert f"pulumi import aws:iam/policy:Policy <name> {other['Policy']['Arn']}" in r.output
        assert not proj.resources(POLICY_T)
        assert statement(default_doc(iam, other["Policy"]["Arn"])) == "arn:aws:s3:::other/*"
        iam.delete_policy(PolicyArn=other["Policy"]["Arn"])
