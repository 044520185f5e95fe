"""The AWS client against moto with SigV4 checking on (the suite runs inside
scripts/with-moto): IAM, STS, SageMaker and S3 requests are accepted, AWS
errors become clear messages, and no credential ever reaches the output."""
import json
import os
import pathlib
import subprocess

import boto3
import grpc
import pytest

from conftest import ROOT, struct

BUILD = pathlib.Path(os.environ.get("AWSML_BUILD", ROOT / "build"))
AWS_CALL = BUILD / "test" / "aws-call"
IAM, STS = "2010-05-08", "2011-06-15"


@pytest.fixture(scope="module")
def moto():
    endpoint = os.environ.get("MOTO_ENDPOINT")
    assert endpoint, "run this suite inside scripts/with-moto (make test-integration does)"
    return endpoint


def call(*args, config=None, env=None, verbosity=None):
    argv = [str(AWS_CALL)]
    if verbosity is not None:
        argv += ["-v", str(verbosity)]
    argv += [json.dumps(config or {}), *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120,
                          env=env if env is not None else os.environ.copy())


def ok(*args, **kw):
    r = call(*args, **kw)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_sts_validate_gives_the_account(moto):
    assert ok("validate").startswith("account 123456789012 region us-east-1 partition aws")


def test_iam_role_round_trip(moto):
    doc = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
        "Action": "sts:AssumeRole"}]})
    out = ok("query", "iam", "CreateRole", IAM, "RoleName=client-r1",
             f"AssumeRolePolicyDocument={doc}", "Tags.member.1.Key=team",
             "Tags.member.1.Value=ml & data")
    assert "<Arn>arn:aws:iam::123456789012:role/client-r1</Arn>" in out
    got = ok("query", "iam", "GetRole", IAM, "RoleName=client-r1")
    assert "<RoleName>client-r1</RoleName>" in got
    tags = boto3.client("iam").list_role_tags(RoleName="client-r1")["Tags"]
    assert tags == [{"Key": "team", "Value": "ml & data"}]  # encoding survived signing
    ok("query", "iam", "DeleteRole", IAM, "RoleName=client-r1")


def test_iam_error_is_a_clear_not_found(moto):
    r = call("query", "iam", "GetRole", IAM, "RoleName=does-not-exist")
    assert r.returncode == 1
    assert "aws-call: 5:" in r.stderr  # NOT_FOUND
    assert "NoSuchEntity" in r.stderr and "does-not-exist" in r.stderr
    assert "request id" in r.stderr


def test_sagemaker_json_calls(moto):
    definition = json.dumps({"Version": "2020-12-01", "Steps": []})
    body = json.dumps({"PipelineName": "client-p1", "PipelineDefinition": definition,
                       "RoleArn": "arn:aws:iam::123456789012:role/x",
                       "ClientRequestToken": "token-client-p1-000000000001"})
    out = json.loads(ok("json", "sagemaker", "SageMaker.CreatePipeline", body))
    assert out["PipelineArn"].endswith(":pipeline/client-p1")
    desc = json.loads(ok("json", "sagemaker", "SageMaker.DescribePipeline",
                         json.dumps({"PipelineName": "client-p1"})))
    assert desc["PipelineName"] == "client-p1"
    r = call("json", "sagemaker", "SageMaker.DescribePipeline",
             json.dumps({"PipelineName": "nope"}))
    assert r.returncode == 1 and "ValidationException" in r.stderr
    ok("json", "sagemaker", "SageMaker.DeletePipeline",
       json.dumps({"PipelineName": "client-p1", "ClientRequestToken": "token-client-p1-delete-0001"}))


def test_s3_object_get_and_missing(moto):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="client-bucket")
    s3.put_object(Bucket="client-bucket", Key="dir/def inition.json", Body=b'{"a": 1}')
    assert ok("s3get", "client-bucket", "dir/def inition.json") == '{"a": 1}'
    r = call("s3get", "client-bucket", "missing.json")
    assert r.returncode == 1 and "aws-call: 5:" in r.stderr
    assert "s3://client-bucket/missing.json does not exist" in r.stderr
    assert ok("s3head", "client-bucket", "dir/def inition.json") == "exists\n"
    r = call("s3head", "no-such-bucket", "x.json")
    assert r.returncode == 1 and "aws-call: 5:" in r.stderr
    # A specific version: moto versions objects once the bucket has versioning on.
    s3.put_bucket_versioning(Bucket="client-bucket", VersioningConfiguration={"Status": "Enabled"})
    v1 = s3.put_object(Bucket="client-bucket", Key="v.json", Body=b"one")["VersionId"]
    s3.put_object(Bucket="client-bucket", Key="v.json", Body=b"two")
    assert ok("s3get", "client-bucket", "v.json", v1) == "one"
    assert ok("s3get", "client-bucket", "v.json") == "two"


def test_wrong_credentials_are_explained_without_leaking_them(moto):
    secret = "WrongSecretKeyValue1234567890abcdefghijk"
    r = call("validate", config={"accessKey": "AKIAIOSFODNN7EXAMPLE", "secretKey": secret})
    assert r.returncode == 1
    assert "InvalidClientTokenId" in r.stderr
    assert secret not in r.stderr + r.stdout
    # The real key with a wrong secret: the signature does not match.
    r = call("validate", config={"accessKey": os.environ["AWS_ACCESS_KEY_ID"], "secretKey": secret})
    assert r.returncode == 1 and "SignatureDoesNotMatch" in r.stderr
    assert secret not in r.stderr + r.stdout


def test_no_credential_in_output_at_any_verbosity(moto):
    secret = os.environ["AWS_SECRET_ACCESS_KEY"]
    for v in (0, 3, 9):
        r = call("query", "sts", "GetCallerIdentity", STS, verbosity=v)
        assert r.returncode == 0, r.stderr
        assert secret not in r.stdout + r.stderr


def test_credentials_from_a_profile(moto, tmp_path):
    creds = tmp_path / "credentials"
    creds.write_text(
        "# a comment\n[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = x\n\n"
        f"[ml]\r\naws_access_key_id = {os.environ['AWS_ACCESS_KEY_ID']}\r\n"
        f"aws_secret_access_key = {os.environ['AWS_SECRET_ACCESS_KEY']}\r\n")
    env = {k: v for k, v in os.environ.items()
           if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")}
    env.update(AWS_SHARED_CREDENTIALS_FILE=str(creds), AWS_EC2_METADATA_DISABLED="true")
    assert ok("validate", config={"profile": "ml"}, env=env).startswith("account 123456789012")
    r = call("validate", config={"profile": "missing"}, env=env)
    assert r.returncode == 1 and "missing" in r.stderr
    # Nothing anywhere: the error lists what was tried.
    r = call("validate", env={**env, "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")})
    assert r.returncode == 1
    for tried in ("provider config", "environment", "profile 'default'", "container",
                  "instance metadata"):
        assert tried in r.stderr, r.stderr


def test_assume_roles_chain_through_sts(moto):
    iam = boto3.client("iam")
    me = boto3.client("sts").get_caller_identity()["Arn"]  # moto matches the user, not :root
    iam.create_role(RoleName="client-assumed", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": me},
                                                "Action": "sts:AssumeRole"}]}))
    arn = "arn:aws:iam::123456789012:role/client-assumed"
    out = ok("query", "sts", "GetCallerIdentity", STS,
             config={"assumeRoles": [{"roleArn": arn, "sessionName": "awsml-test",
                                      "duration": "15m", "tags": {"k": "v"}}]})
    assert "assumed-role/client-assumed/awsml-test" in out
    r = call("validate", config={"assumeRoles": [{"sessionName": "x"}]})
    assert r.returncode == 1 and "assumeRoles[0].roleArn is required" in r.stderr
    r = call("validate", config={"assumeRole": {"roleArn": arn}})
    assert r.returncode == 1 and "use 'assumeRoles'" in r.stderr


def test_bad_config_names_the_key(moto):
    for cfg, words in [({"maxRetries": "many"}, "maxRetries"),
                       ({"skipCredentialsValidation": "yes"}, "skipCredentialsValidation"),
                       ({"region": "not a region"}, "not a region"),
                       ({"endpoints": [{"iam": 5}]}, "endpoints.iam"),
                       ({"retryMode": "legacy"}, "retryMode")]:
        r = call("validate", config=cfg)
        assert r.returncode == 1, cfg
        assert words in r.stderr, (cfg, r.stderr)


def test_configure_validates_credentials(start_plugin, pb, moto):
    p = start_plugin()
    P = pb.provider
    p.stub.Configure(P.ConfigureRequest(args=struct(pb, {"region": "us-east-1"})), timeout=60)
    with pytest.raises(grpc.RpcError) as e:
        p.stub.Configure(P.ConfigureRequest(args=struct(pb, {
            "allowedAccountIds": '["111111111111"]'})), timeout=60)
    assert e.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "123456789012" in e.value.details() and "allowedAccountIds" in e.value.details()
    with pytest.raises(grpc.RpcError) as e:
        p.stub.Configure(P.ConfigureRequest(args=struct(pb, {
            "forbiddenAccountIds": '["123456789012"]'})), timeout=60)
    assert e.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "forbiddenAccountIds" in e.value.details()
    # Skipping validation makes no STS call, so even an account rule cannot fail.
    p.stub.Configure(P.ConfigureRequest(args=struct(pb, {
        "skipCredentialsValidation": "true", "skipRequestingAccountId": "true",
        "forbiddenAccountIds": '["123456789012"]'})), timeout=60)


def test_plugin_never_prints_credentials_at_any_verbosity(start_plugin, pb, moto):
    """Configure with the secret as a secret config value, and a failing one:
    neither the errors nor stderr at -v=9 hold the secret key."""
    P = pb.provider
    secret = os.environ["AWS_SECRET_ACCESS_KEY"]
    p = start_plugin("-v=9")
    p.stub.Configure(P.ConfigureRequest(args=struct(pb, {
        "accessKey": os.environ["AWS_ACCESS_KEY_ID"],
        "secretKey": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                      "value": secret}})), timeout=60)
    wrong = "Wrong" + secret[5:]
    with pytest.raises(grpc.RpcError) as e:
        p.stub.Configure(P.ConfigureRequest(args=struct(pb, {
            "accessKey": os.environ["AWS_ACCESS_KEY_ID"], "secretKey": wrong})), timeout=60)
    assert "SignatureDoesNotMatch" in e.value.details()
    assert p.stop() == 0
    for text in (e.value.details(), p.stderr):
        assert secret not in text and wrong not in text
