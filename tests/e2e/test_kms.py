"""KMS keys and aliases through the real CLI and pulumi_aws (drop-in mode) against moto.

One stack walks the whole life of two keys and two aliases: create, a no-change preview,
refresh with no drift (also after the key policy was rewritten out of band with its keys
reordered), drift made by hand (a tag removed, the alias retargeted) put back, an equivalent
policy text (reordered keys, one-element arrays) that is no
change, in-place updates (description, rotation, alias target), a replace (key usage and
spec), import of a key and an alias made outside Pulumi, bad input, and destroy (keys
pending deletion count as gone). A second test loses the answer to CreateKey (fault
proxy): the key is found by its create token and adopted, never orphaned or duplicated.

moto quirk: GetKeyRotationStatus never reports RotationPeriodInDays (and EnableKeyRotation
ignores it), so the period given stays in the state and is checked there, not in moto.
"""
import json
import os
import re
import sys
from pathlib import Path

import boto3
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from fault_proxy import FaultProxy  # noqa: E402

KEY = "aws:kms/key:Key"
ALIAS = "aws:kms/alias:Alias"
ACCOUNT = "123456789012"


def policy_doc(sid="Root"):
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": sid, "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "kms:*", "Resource": "*"}]}


POLICY = json.dumps(policy_doc())
# The same policy: keys in another order, one-element arrays, other spacing.
POLICY_EQUIV = json.dumps({"Statement": [{
    "Resource": ["*"], "Action": ["kms:*"],
    "Principal": {"AWS": [f"arn:aws:iam::{ACCOUNT}:root"]},
    "Effect": "Allow", "Sid": "Root"}], "Version": "2012-10-17"}, indent=1)


def program(desc="first key", rotation="", b_usage="", target="a", policy=POLICY, extra=""):
    return f"""
import pulumi
import pulumi_aws as aws
a = aws.kms.Key("a", description="{desc}", deletion_window_in_days=7,
    policy='''{policy}''', tags={{"team": "ml"}}{rotation})
b = aws.kms.Key("b", description="second key", deletion_window_in_days=7{b_usage})
named = aws.kms.Alias("named", name="alias/e2e-kms-named", target_key_id={target}.key_id)
auto = aws.kms.Alias("auto", target_key_id=a.arn)
{extra}
pulumi.export("a", a.key_id)
pulumi.export("a_arn", a.arn)
pulumi.export("b", b.id)
pulumi.export("auto", auto.name)
pulumi.export("named_target_arn", named.target_key_arn)
"""


def kms():
    return boto3.client("kms")


def key_state(key_id):
    return kms().describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"]


def alias_target(name):
    for page in kms().get_paginator("list_aliases").paginate():
        for a in page["Aliases"]:
            if a["AliasName"] == name:
                return a.get("TargetKeyId")
    return None


def test_key_and_alias_lifecycle(make_project):
    proj = make_project(program(), providers=("aws",), name="kms")
    proj.up()
    out = proj.outputs()
    a, b = out["a"], out["b"]
    md = kms().describe_key(KeyId=a)["KeyMetadata"]
    assert md["Description"] == "first key" and md["KeyState"] == "Enabled"
    assert out["a_arn"] == md["Arn"]
    assert alias_target("alias/e2e-kms-named") == a
    assert re.fullmatch(r"alias/auto-[0-9a-f]{7}", out["auto"]), out
    assert alias_target(out["auto"]) == a
    assert out["named_target_arn"] == f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{a}"
    tags = {t["TagKey"]: t["TagValue"] for t in kms().list_resource_tags(KeyId=a)["Tags"]}
    assert tags == {"team": "ml"}  # the create token is gone once the create answered
    st = proj.resource(KEY, "a")
    assert st["id"] == a and st["outputs"]["keyId"] == a
    assert st["outputs"]["isEnabled"] is True and st["outputs"]["enableKeyRotation"] is False
    assert st["outputs"]["policy"] == POLICY
    b_policy = proj.resource(KEY, "b")["outputs"]["policy"]  # AWS's default, not managed
    assert "kms:*" in b_policy and "policy" not in proj.resource(KEY, "b")["inputs"]

    proj.preview("--expect-no-changes")
    # The policy rewritten out of band, same meaning, keys reordered: no drift, and
    # the state keeps the program's text.
    kms().put_key_policy(KeyId=a, PolicyName="default", Policy=POLICY_EQUIV)
    proj.refresh()
    assert proj.resource(KEY, "a")["inputs"]["policy"] == POLICY
    proj.preview("--expect-no-changes")
    # An equivalent policy text in the program is no change either.
    proj.set_program(program(policy=POLICY_EQUIV))
    proj.preview("--expect-no-changes")

    # In-place updates: description, rotation with a period, the alias's target, a tag
    # removed out of band (drift that refresh shows and the next up puts back).
    proj.set_program(program(desc="second text", target="b",
                             rotation=", enable_key_rotation=True, rotation_period_in_days=180"))
    pv = proj.preview()
    assert re.search(r"~ aws:kms/key:Key: \(update\)", pv.stdout), pv
    assert "replace" not in pv.stdout, pv
    proj.up()
    md = kms().describe_key(KeyId=a)["KeyMetadata"]
    assert md["Description"] == "second text"
    assert kms().get_key_rotation_status(KeyId=a)["KeyRotationEnabled"] is True
    assert alias_target("alias/e2e-kms-named") == b
    st = proj.resource(KEY, "a")
    assert st["id"] == a and st["outputs"]["rotationPeriodInDays"] == 180
    kms().untag_resource(KeyId=a, TagKeys=["team"])
    kms().update_alias(AliasName="alias/e2e-kms-named", TargetKeyId=a)  # out of band too
    proj.refresh()
    pv = proj.preview()
    assert "tags" in pv.stdout and "targetKeyId" in pv.stdout, pv
    proj.up()
    tags = {t["TagKey"]: t["TagValue"] for t in kms().list_resource_tags(KeyId=a)["Tags"]}
    assert tags == {"team": "ml"}
    assert alias_target("alias/e2e-kms-named") == b
    proj.refresh()
    proj.preview("--expect-no-changes")

    # Replace: key usage and spec of b; the alias follows the new key.
    proj.set_program(program(desc="second text", target="b",
                             rotation=", enable_key_rotation=True, rotation_period_in_days=180",
                             b_usage=', key_usage="SIGN_VERIFY", '
                                     'customer_master_key_spec="RSA_2048"'))
    pv = proj.preview()
    assert re.search(r"\+-\s*aws:kms/key:Key", pv.stdout), pv
    proj.up()
    b2 = proj.outputs()["b"]
    assert b2 != b
    assert key_state(b) == "PendingDeletion"
    assert kms().describe_key(KeyId=b2)["KeyMetadata"]["KeyUsage"] == "SIGN_VERIFY"
    assert alias_target("alias/e2e-kms-named") == b2
    proj.preview("--expect-no-changes")

    # Import a key and an alias made outside Pulumi.
    made = kms().create_key(Description="made by hand")["KeyMetadata"]["KeyId"]
    kms().create_alias(AliasName="alias/e2e-kms-by-hand", TargetKeyId=made)
    proj.import_(KEY, "imported-key", made, generate_code=False)
    proj.import_(ALIAS, "imported-alias", "alias/e2e-kms-by-hand", generate_code=False)
    st = proj.resource(KEY, "imported-key")
    assert st["id"] == made and st["inputs"]["description"] == "made by hand"
    st = proj.resource(ALIAS, "imported-alias")
    assert st["id"] == "alias/e2e-kms-by-hand" and st["inputs"]["targetKeyId"] == made

    # Bad input: each error names the property and the rule.
    proj.set_program(program(extra='aws.kms.Key("bad", deletion_window_in_days=3, '
                                   'rotation_period_in_days=10)'))
    r = proj.preview(check=False)
    assert r.returncode != 0
    assert re.search(r"deletionWindowInDays.*from 7 to 30", r.output), r
    assert re.search(r"rotationPeriodInDays.*from 90 to 2560", r.output), r
    proj.set_program(program(extra='aws.kms.Alias("bad", name="no-prefix", target_key_id=a.id)'))
    r = proj.preview(check=False)
    assert r.returncode != 0
    assert re.search(r"'name' must be alias/ \(not alias/aws/\)", r.output), r

    # Destroy: the program's and the imported keys go pending deletion, aliases go.
    proj.destroy()
    for k in (a, b2, made):
        assert key_state(k) == "PendingDeletion", k
    for n in ("alias/e2e-kms-named", out["auto"], "alias/e2e-kms-by-hand"):
        assert alias_target(n) is None, n


FAULT_PROGRAM = """
import pulumi
import pulumi_aws as aws
key = aws.kms.Key("k", description="{desc}", deletion_window_in_days=7)
aws.kms.Alias("alias", name="alias/{desc}", target_key_id=key.key_id)
pulumi.export("key", key.key_id)
"""


def live_keys(description):
    """IDs of the keys in moto with this description that are not pending deletion."""
    c = boto3.client("kms", endpoint_url=os.environ["MOTO_ENDPOINT"])
    found = []
    for page in c.get_paginator("list_keys").paginate():
        for k in page["Keys"]:
            md = c.describe_key(KeyId=k["KeyId"])["KeyMetadata"]
            if md.get("Description") == description and md["KeyState"] != "PendingDeletion":
                found.append(k["KeyId"])
    return found


@pytest.mark.parametrize("fault", ["reset", "truncate", "500"])
def test_lost_create_key_answer_is_adopted(make_project, moto_endpoint, fault):
    """moto makes the key and its answer is lost. reset/truncate: CreateKey is not
    idempotent, so it is sent once; the key carries this create's token, so it is found
    and adopted. 500: the client retries (as the SDKs do on a 5xx) and the retry makes a
    second key; the first one, carrying the same token, has its deletion scheduled.
    Either way one live key in moto, the same one in the state, and a second up changes
    nothing."""
    desc = f"e2e-kms-lost-{fault}"
    proj = make_project(FAULT_PROGRAM.format(desc=desc), providers=("aws",), name="kmsflt")
    with FaultProxy(moto_endpoint) as proxy:
        for var in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_KMS"):
            proj.env[var] = proxy.url
        proj.env["AWSML_HTTP_TIMEOUT_MS"] = "4000"
        proj.env["AWSML_RETRY_BASE_MS"] = "50"
        proxy.set_rules([{"action": "CreateKey", "fault": fault, "when": "after"}])
        r = proj.up()
        creates = [(c["fault"], c["upstream_status"]) for c in proxy.log()
                   if c["action"] == "CreateKey"]
        keys = live_keys(desc)
        assert len(keys) == 1, keys  # nothing duplicated
        assert proj.resource(KEY, "k")["id"] == keys[0]  # nothing orphaned
        if fault == "500":
            assert creates == [("500", 200), (None, 200)], creates
            m = re.search(r"a retried CreateKey made a second KMS key, (\S+), besides (\S+): "
                          r"its deletion is scheduled", r.output)
            assert m and m.group(2) == keys[0], r
            assert key_state(m.group(1)) == "PendingDeletion"
        else:
            assert creates == [(fault, 200)], creates
            assert "the answer to CreateKey was lost" in r.output, r
        tags = boto3.client("kms").list_resource_tags(KeyId=keys[0])["Tags"]
        assert tags == []  # the create token was removed after adopting
        proxy.set_rules([])
        proj.up("--expect-no-changes")
        proj.destroy()
    assert live_keys(desc) == []
