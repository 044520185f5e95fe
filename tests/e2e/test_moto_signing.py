"""The emulator really checks SigV4: a request signed with the bootstrapped key
passes, the same request signed with a wrong secret is refused."""

import os

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

NO_RETRY = Config(retries={"total_max_attempts": 1})


def _client(service, endpoint, secret):
    return boto3.client(service, endpoint_url=endpoint, region_name=os.environ["AWS_REGION"],
                        aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=secret, config=NO_RETRY)


def test_endpoint_is_loopback(moto_endpoint):
    assert moto_endpoint.startswith("http://127.0.0.1:")
    for var in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL_STS",
                "AWS_ENDPOINT_URL_SAGEMAKER", "AWS_ENDPOINT_URL_S3",
                "AWS_ENDPOINT_URL_KMS"):
        assert os.environ[var] == moto_endpoint


def test_signed_request_with_the_bootstrapped_key_is_accepted(moto_endpoint):
    secret = os.environ["AWS_SECRET_ACCESS_KEY"]
    ident = _client("sts", moto_endpoint, secret).get_caller_identity()
    assert ident["Arn"].endswith(":user/awsml-test")
    roles = _client("iam", moto_endpoint, secret).list_roles()
    assert roles["ResponseMetadata"]["HTTPStatusCode"] == 200


@pytest.mark.parametrize("service,call", [
    ("sts", lambda c: c.get_caller_identity()),
    ("iam", lambda c: c.list_roles()),
])
def test_wrongly_signed_request_is_refused(moto_endpoint, service, call):
    secret = os.environ["AWS_SECRET_ACCESS_KEY"]
    # Change the first character to one it is not (a fixed "x" is the real secret
    # whenever moto's random secret starts with x).
    wrong = ("y" if secret[0] == "x" else "x") + secret[1:]
    assert wrong != secret
    with pytest.raises(ClientError) as exc:
        call(_client(service, moto_endpoint, wrong))
    err = exc.value.response
    assert err["Error"]["Code"] == "SignatureDoesNotMatch", err
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 403, err


def test_unknown_access_key_is_refused(moto_endpoint):
    c = boto3.client("iam", endpoint_url=moto_endpoint, region_name=os.environ["AWS_REGION"],
                     aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
                     aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"], config=NO_RETRY)
    with pytest.raises(ClientError) as exc:
        c.list_roles()
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert exc.value.response["Error"]["Code"] == "InvalidClientTokenId"
