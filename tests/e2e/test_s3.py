"""The S3 bucket family through the real CLI and pulumi_aws (drop-in) against moto: a bucket
with its public access block, SSE-KMS encryption, versioning and policy created in one `up`
(the provider serialises changes to one bucket, so they never race), a no-change preview, a
refresh without drift, an in-place update, a replace, a policy rewritten with the same meaning,
import, Check failures naming the property and the rule, and destroy of a forceDestroy bucket
that holds object versions and delete markers. Then a CreateBucket whose answer is lost
(through tests/support/fault_proxy.py): the bucket is found, adopted, and nothing is
orphaned or made twice."""
import json
import sys
from pathlib import Path

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from fault_proxy import FaultProxy  # noqa: E402

BUCKET = "aws:s3/bucket:Bucket"
BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
POLICY = "aws:s3/bucketPolicy:BucketPolicy"
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def policy(bucket, actions):
    # No Principal "*" with a Condition: moto would then refuse the object calls of
    # forceDestroy (see AWS.md).
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "Reader", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": actions, "Resource": f"arn:aws:s3:::{bucket}/*"}]}


def program(env="dev", block=True, status="Enabled", actions=("s3:GetObject",),
            policy_text=None, lock=False, extra=""):
    pol = policy_text if policy_text is not None else json.dumps(policy("awsml-e2e-data", list(actions)))
    return f"""
import pulumi
import pulumi_aws as aws

b = aws.s3.Bucket("data", bucket="awsml-e2e-data", force_destroy=True,
                  tags={{"env": "{env}"}}{extra})
aws.s3.BucketPublicAccessBlock("pab", bucket=b.id, block_public_acls=True,
                               block_public_policy={block}, ignore_public_acls=True,
                               restrict_public_buckets=True)
aws.s3.BucketServerSideEncryptionConfiguration("sse", bucket=b.bucket, rules=[{{
    "apply_server_side_encryption_by_default": {{"sse_algorithm": "aws:kms",
                                                 "kms_master_key_id": "{KEY_ARN}"}},
    "bucket_key_enabled": True}}])
# retain_on_delete: destroy would suspend versioning first, and moto's DeleteObjects then
# fails (500) on the bucket's delete markers; real S3 does not. The bucket takes it along.
aws.s3.BucketVersioning("ver", bucket=b.id,
                        versioning_configuration={{"status": "{status}"}},
                        opts=pulumi.ResourceOptions(retain_on_delete=True))
aws.s3.BucketPolicy("pol", bucket=b.id, policy='{pol}')
other = aws.s3.BucketV2("Other_Bucket", object_lock_enabled={lock}, region="eu-west-1")
pulumi.export("bucket", b.bucket)
pulumi.export("arn", b.arn)
pulumi.export("regional", b.bucket_regional_domain_name)
pulumi.export("zone", b.hosted_zone_id)
pulumi.export("other", other.bucket)
pulumi.export("other_regional", other.bucket_regional_domain_name)
"""


def test_bucket_family(make_project):
    s3 = boto3.client("s3")
    proj = make_project(program(), providers=("aws",), name="s3fam")
    proj.config_set("aws:ignoreTags", '{"keys": ["owner"]}')

    # Everything in one up: the PAB, encryption, versioning and policy writes of one
    # bucket are serialised inside the provider.
    proj.up()
    out = proj.outputs()
    assert out["bucket"] == "awsml-e2e-data"
    assert out["arn"] == "arn:aws:s3:::awsml-e2e-data"
    assert out["regional"] == "awsml-e2e-data.s3.us-east-1.amazonaws.com"
    assert out["zone"] == "Z3AQBSTGFYJSTF"
    assert out["other"].startswith("other-bucket-")  # autonamed, lowercased
    # Created in its own region (LocationConstraint): moto refuses it without.
    assert s3.get_bucket_location(Bucket=out["other"])["LocationConstraint"] == "eu-west-1"
    assert out["other_regional"] == out["other"] + ".s3.eu-west-1.amazonaws.com"
    assert s3.get_bucket_tagging(Bucket="awsml-e2e-data")["TagSet"] == [
        {"Key": "env", "Value": "dev"}]
    pab = s3.get_public_access_block(Bucket="awsml-e2e-data")["PublicAccessBlockConfiguration"]
    assert pab == {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                   "RestrictPublicBuckets": True}
    rule = s3.get_bucket_encryption(Bucket="awsml-e2e-data")[
        "ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms",
                                                          "KMSMasterKeyID": KEY_ARN}
    assert s3.get_bucket_versioning(Bucket="awsml-e2e-data")["Status"] == "Enabled"
    assert json.loads(s3.get_bucket_policy(Bucket="awsml-e2e-data")["Policy"])[
        "Statement"][0]["Sid"] == "Reader"
    assert proj.resource(BUCKET, "data")["id"] == "awsml-e2e-data"
    assert proj.resource(SSE, "sse")["id"] == "awsml-e2e-data"

    # Two versions of an object and a delete marker while versioning is on (destroy
    # deletes them all below).
    for body in (b"one", b"two"):
        s3.put_object(Bucket="awsml-e2e-data", Key="dir/a b.txt", Body=body)
    s3.delete_object(Bucket="awsml-e2e-data", Key="dir/a b.txt")

    # A tag the provider ignores, set by hand: never drift, and kept by tag updates.
    s3.put_bucket_tagging(Bucket="awsml-e2e-data", Tagging={"TagSet": [
        {"Key": "env", "Value": "dev"}, {"Key": "owner", "Value": "ops"}]})

    # No changes, and refresh finds no drift.
    proj.preview("--expect-no-changes")
    proj.refresh("--expect-no-changes")
    proj.preview("--expect-no-changes")

    # The same policy written differently (key order, a one-element list as a string,
    # spacing) is no change: policies compare by meaning.
    same = policy("awsml-e2e-data", "s3:GetObject")
    same["Statement"][0] = dict(reversed(list(same["Statement"][0].items())))
    proj.set_program(program(policy_text=json.dumps(same, indent=1).replace("\n", " ")))
    proj.preview("--expect-no-changes")

    # In place: tags, a PAB flag, versioning suspended, the policy's actions.
    proj.set_program(program(env="prod", block=False, status="Suspended",
                             actions=("s3:GetObject", "s3:ListBucket")))
    r = proj.up()
    assert "replaced" not in r.stdout, r
    assert {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket="awsml-e2e-data")[
        "TagSet"]} == {"env": "prod", "owner": "ops"}
    assert s3.get_public_access_block(Bucket="awsml-e2e-data")[
        "PublicAccessBlockConfiguration"]["BlockPublicPolicy"] is False
    assert s3.get_bucket_versioning(Bucket="awsml-e2e-data")["Status"] == "Suspended"
    assert "s3:ListBucket" in json.dumps(s3.get_bucket_policy(Bucket="awsml-e2e-data")["Policy"])
    proj.preview("--expect-no-changes")

    # A bucket once versioned cannot go back to Disabled; a deprecated inline setting is
    # refused naming the resource to use; a bad name names the rule.
    proj.set_program(program(env="prod", block=False, status="Disabled",
                             actions=("s3:GetObject", "s3:ListBucket")))
    r = proj.preview(check=False)
    assert r.returncode != 0
    assert "versioningConfiguration.status cannot go from Suspended to Disabled" in r.output, r
    proj.set_program(program(env="prod", block=False, status="Suspended",
                             actions=("s3:GetObject", "s3:ListBucket"), extra=', acl="private"'))
    r = proj.preview(check=False)
    assert r.returncode != 0
    assert "acl is a deprecated inline setting" in r.output and "aws.s3.BucketAcl" in r.output, r
    bad = program(env="prod", block=False, status="Suspended",
                  actions=("s3:GetObject", "s3:ListBucket")).replace(
                      'bucket="awsml-e2e-data"', 'bucket="Bad_Name"', 1)
    proj.set_program(bad)
    r = proj.preview(check=False)
    assert r.returncode != 0
    assert "bucket" in r.output and "lowercase letters, digits" in r.output, r

    # Replace: objectLockEnabled is fixed at creation (the deprecated V2 token). Versioning
    # goes back on: moto's DeleteObjects fails with a 500 on a suspended bucket holding
    # delete markers (it drops every version of the key at once); real S3 does not.
    old_other = out["other"]
    proj.set_program(program(env="prod", block=False, status="Enabled",
                             actions=("s3:GetObject", "s3:ListBucket"), lock=True))
    proj.up()
    new_other = proj.outputs()["other"]
    assert new_other != old_other
    assert s3.get_object_lock_configuration(Bucket=new_other)[
        "ObjectLockConfiguration"]["ObjectLockEnabled"] == "Enabled"
    assert old_other not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    proj.preview("--expect-no-changes")

    # Import a bucket and its public access block made outside Pulumi.
    s3.create_bucket(Bucket="awsml-e2e-made-outside")
    s3.put_bucket_tagging(Bucket="awsml-e2e-made-outside",
                          Tagging={"TagSet": [{"Key": "team", "Value": "ops"}]})
    s3.put_public_access_block(Bucket="awsml-e2e-made-outside", PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": False})
    proj.import_(BUCKET, "imported", "awsml-e2e-made-outside", generate_code=False)
    st = proj.resource(BUCKET, "imported")
    assert st["inputs"]["bucket"] == "awsml-e2e-made-outside"
    assert st["inputs"]["tags"] == {"team": "ops"}
    assert st["outputs"]["arn"] == "arn:aws:s3:::awsml-e2e-made-outside"
    proj.import_(PAB, "imported-pab", "awsml-e2e-made-outside", generate_code=False)
    st = proj.resource(PAB, "imported-pab")
    assert st["inputs"]["blockPublicPolicy"] is True and st["inputs"]["ignorePublicAcls"] is False

    # Destroy: the forceDestroy bucket holds object versions and a delete marker; the
    # imported ones are not in the program and go too (the bucket is empty).
    versions = s3.list_object_versions(Bucket="awsml-e2e-data")
    assert len(versions.get("Versions", [])) == 2 and len(versions.get("DeleteMarkers", [])) == 1
    proj.destroy()
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert "awsml-e2e-data" not in names and "awsml-e2e-made-outside" not in names
    assert new_other not in names


LOST = """
import pulumi
import pulumi_aws as aws

b = aws.s3.Bucket("lost", bucket="awsml-e2e-lost-answer", tags={"k": "v"})
pulumi.export("bucket", b.bucket)
"""


def test_lost_create_bucket_answer_is_adopted(make_project, moto_endpoint):
    s3 = boto3.client("s3")
    with FaultProxy(moto_endpoint) as proxy:
        proj = make_project(LOST, providers=("aws",), name="s3lost")
        for var in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
            proj.env[var] = proxy.url
        proj.env["AWSML_RETRY_BASE_MS"] = "50"
        # S3's action is the method: the first PUT is CreateBucket. moto creates the
        # bucket, the provider sees the connection reset.
        proxy.set_rules([{"action": "PUT", "fault": "reset", "when": "after"}])
        r = proj.up()
        puts = [e for e in proxy.log() if e["action"] == "PUT"]
        assert puts[0]["fault"] == "reset" and puts[0]["upstream_status"] == 200, puts
        assert "the answer to CreateBucket was lost" in r.output, r
        assert proj.resource(BUCKET, "lost")["id"] == "awsml-e2e-lost-answer"
        assert s3.get_bucket_tagging(Bucket="awsml-e2e-lost-answer")["TagSet"] == [
            {"Key": "k", "Value": "v"}]
        proxy.set_rules([])
        proj.up("--expect-no-changes")
        proj.destroy()
        assert "awsml-e2e-lost-answer" not in [b["Name"] for b in s3.list_buckets()["Buckets"]]

        # A bucket of that name made outside Pulumi is not taken over (in us-east-1 S3
        # answers CreateBucket of one's own bucket with 200): the error says how to import it.
        s3.create_bucket(Bucket="awsml-e2e-lost-answer")
        r = proj.up(check=False)
        assert r.returncode != 0
        assert "already exists in this account and Pulumi does not manage it" in r.output, r
        assert "pulumi import aws:s3/bucket:Bucket <name> awsml-e2e-lost-answer" in r.output, r
        assert proj.resources(BUCKET) == []
        s3.delete_bucket(Bucket="awsml-e2e-lost-answer")
