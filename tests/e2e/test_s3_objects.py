"""S3 bucket objects (aws:s3/bucketObjectv2 and aws:s3/bucketObject) through the real CLI
and pulumi_aws against moto, in one stack: objects from content, contentBase64, a FileAsset
(big enough to go up as a multipart upload with the threshold lowered to 5 MiB) and a
StringAsset, one under SSE-KMS with a KMS key ARN; create, a no-change preview, refresh with
no drift, a content update, a replace (key change), import, bad input, destroy. And a
PutObject whose answers are all lost after moto stored the object: adopted, not duplicated."""
import hashlib
import os
import sys
from pathlib import Path

import boto3
import botocore.exceptions
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from fault_proxy import FaultProxy  # noqa: E402

V2 = "aws:s3/bucketObjectv2:BucketObjectv2"
MIB = 1024 * 1024
BIG = 11 * MIB + 123  # three parts of 5 MiB, 5 MiB, 1 MiB + 123 bytes

PROGRAM = """
import pulumi
import pulumi_aws as aws

cfg = pulumi.Config()
ver = cfg.get("ver") or "1"
b64_key = cfg.get("b64key") or "data/b64.bin"
big_path = cfg.get("bigPath") or "big.bin"
kms_arn = cfg.require("kmsArn")

bucket = aws.s3.Bucket("store", bucket="awsml-objects-e2e", force_destroy=True)
text = aws.s3.BucketObjectv2("text", bucket=bucket.id, key="text.txt", content="hello " + ver,
                             content_type="text/plain", cache_control="max-age=60",
                             metadata={"stage": ver}, tags={"team": "ml"})
b64 = aws.s3.BucketObjectv2("b64", bucket=bucket.id, key=b64_key, content_base64="AAECA/8=",
                            checksum_algorithm="CRC32")
big = aws.s3.BucketObjectv2("big", bucket=bucket.id, key="big.bin",
                            source=pulumi.FileAsset(big_path))
small = aws.s3.BucketObject("small", bucket=bucket.id, key="small.txt",
                            source=pulumi.StringAsset("a string asset"))
secret = aws.s3.BucketObjectv2("secret", bucket=bucket.id, key="secret.json",
                               content='{"k": ' + ver + '}', server_side_encryption="aws:kms",
                               kms_key_id=kms_arn, source_hash=ver)
pulumi.export("bigEtag", big.etag)
pulumi.export("bigSha", big.checksum_sha256)
pulumi.export("secretSse", secret.server_side_encryption)
pulumi.export("textArn", text.arn)
pulumi.export("textId", text.id)
"""

BAD = """
import pulumi
import pulumi_aws as aws
aws.s3.BucketObjectv2("bad", bucket="awsml-objects-e2e", key="x", content="a",
                      source=pulumi.StringAsset("b"))
"""


def body(s3, key):
    return s3.get_object(Bucket="awsml-objects-e2e", Key=key)["Body"].read()


def test_objects_lifecycle(make_project):
    s3 = boto3.client("s3")
    kms_arn = boto3.client("kms").create_key(Description="objects e2e")["KeyMetadata"]["Arn"]
    proj = make_project(PROGRAM, providers=("aws",), name="objects")
    data = os.urandom(BIG)
    (proj.dir / "big.bin").write_bytes(data)
    proj.config_set("kmsArn", kms_arn)
    proj.env["AWSML_S3_MULTIPART_THRESHOLD"] = str(5 * MIB)
    proj.env["AWSML_S3_PART_SIZE"] = str(5 * MIB)

    # a first preview: the bucket's name is not known yet, the objects' outputs are unknown
    r = proj.preview()
    assert "+ 7 to create" in r.stdout, r  # the stack, a bucket, five objects

    # create
    proj.up()
    out = proj.outputs()
    assert body(s3, "text.txt") == b"hello 1"
    assert body(s3, "data/b64.bin") == b"\x00\x01\x02\x03\xff"
    assert body(s3, "small.txt") == b"a string asset"
    assert hashlib.sha256(body(s3, "big.bin")).digest() == hashlib.sha256(data).digest()
    assert out["bigEtag"].endswith("-3"), out  # went up as a 3-part multipart upload
    head = s3.head_object(Bucket="awsml-objects-e2e", Key="text.txt")
    assert head["ContentType"] == "text/plain" and head["Metadata"] == {"stage": "1"}
    assert head["CacheControl"] == "max-age=60"
    tags = s3.get_object_tagging(Bucket="awsml-objects-e2e", Key="text.txt")["TagSet"]
    assert tags == [{"Key": "team", "Value": "ml"}]
    sec = s3.head_object(Bucket="awsml-objects-e2e", Key="secret.json")
    assert sec["ServerSideEncryption"] == "aws:kms" and sec["SSEKMSKeyId"].endswith(
        kms_arn.split("/")[-1])
    assert out["secretSse"] == "aws:kms"
    assert out["textArn"] == "arn:aws:s3:::awsml-objects-e2e/text.txt" and out["textId"] == "text.txt"
    # no multipart upload left behind
    assert not s3.list_multipart_uploads(Bucket="awsml-objects-e2e").get("Uploads")

    # no changes, and none after a refresh
    proj.preview("--expect-no-changes")
    proj.refresh()
    proj.preview("--expect-no-changes")
    # the same bytes at another path: the asset compares by its hash, no change
    (proj.dir / "moved.bin").write_bytes(data)
    proj.config_set("bigPath", "moved.bin")
    proj.preview("--expect-no-changes")

    # content update in place (text, secret) and a replace (key change of b64)
    proj.config_set("ver", "2")
    proj.config_set("b64key", "data/renamed.bin")
    r = proj.up()
    assert "replaced" in r.stdout and "updated" in r.stdout, r
    assert body(s3, "text.txt") == b"hello 2"
    assert body(s3, "secret.json") == b'{"k": 2}'
    assert body(s3, "data/renamed.bin") == b"\x00\x01\x02\x03\xff"
    with pytest.raises(botocore.exceptions.ClientError):
        s3.head_object(Bucket="awsml-objects-e2e", Key="data/b64.bin")
    proj.preview("--expect-no-changes")

    # import an object made outside Pulumi (pulumi-aws's <bucket>/<key> form)
    s3.put_object(Bucket="awsml-objects-e2e", Key="outside/made.txt", Body=b"by hand",
                  ContentType="text/csv")
    proj.import_(V2, "imported", "awsml-objects-e2e/outside/made.txt", generate_code=False)
    imp = proj.resource(V2, "imported")
    assert imp["id"] == "outside/made.txt"
    assert imp["outputs"]["bucket"] == "awsml-objects-e2e"
    assert imp["outputs"]["contentType"] == "text/csv"

    # bad input: two sources of content name both properties and the rule
    proj.set_program(BAD)
    r = proj.preview(check=False)
    text = r.stdout + r.stderr
    assert r.returncode != 0
    assert "only one of content, contentBase64 and source may be set" in text, r
    assert "content and source are both set" in text, r
    proj.set_program(PROGRAM)

    # destroy: every object (and the imported one) and the bucket are gone
    proj.destroy()
    with pytest.raises(botocore.exceptions.ClientError):
        s3.head_bucket(Bucket="awsml-objects-e2e")


LOST_PROGRAM = """
import pulumi
import pulumi_aws as aws

bucket = aws.s3.Bucket("lost", bucket="awsml-objects-lost", force_destroy=True)
obj = aws.s3.BucketObjectv2("obj", bucket=bucket.id, key="model/def.json",
                            content='{"steps": []}', content_type="application/json")
"""


def test_lost_put_answers_are_adopted(make_project, moto_endpoint):
    """Every PutObject reaches moto but its answer is lost (the connection is reset after
    moto stored the object): the object is found holding the checksum awsml computed and
    taken as created; it is in the state exactly once, and a re-run changes nothing."""
    s3 = boto3.client("s3")
    with FaultProxy(moto_endpoint) as proxy:
        proj = make_project(LOST_PROGRAM, providers=("aws",), name="lostput")
        for var in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_IAM",
                    "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_SAGEMAKER"):
            proj.env[var] = proxy.url
        proj.env["AWSML_HTTP_TIMEOUT_MS"] = "4000"
        proj.env["AWSML_RETRY_BASE_MS"] = "50"
        # The first PUT is CreateBucket; every later one (the object's) loses its answer.
        proxy.set_rules([{"action": "PUT", "fault": "reset", "when": "after", "skip": 1,
                          "times": 0}])
        r = proj.up()
        lost = [e for e in proxy.log() if e["action"] == "PUT" and e["fault"] == "reset"]
        assert lost and all(e["upstream_status"] == 200 for e in lost), proxy.log()
        assert "the answer to PutObject was lost" in r.stdout + r.stderr, r
        got = s3.get_object(Bucket="awsml-objects-lost", Key="model/def.json")["Body"].read()
        assert got == b'{"steps": []}'
        objs = proj.resources(V2)
        assert [o["id"] for o in objs] == ["model/def.json"]
        proxy.set_rules([])
        proj.up("--expect-no-changes")
        proj.destroy()
