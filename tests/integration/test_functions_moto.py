"""Invoke over gRPC (the suite runs inside scripts/with-moto): the functions
answer under awsml: and aws:, bad arguments come back as check failures that
name the argument and the rule, an unknown token lists the known ones, the
account functions go through the provider's client to moto's STS, and
getPolicyDocument needs no AWS at all."""
import json
import os

import boto3
import grpc
import pytest

from conftest import SECRET_SIG, SIG_KEY, secret, struct, to_dict

PD = "aws:iam/getPolicyDocument:getPolicyDocument"


def invoke(plugin, pb, tok, args, timeout=60):
    r = plugin.stub.Invoke(pb.provider.InvokeRequest(tok=tok, args=struct(pb, args)),
                           timeout=timeout)
    return to_dict(getattr(r, "return")), [(f.property, f.reason) for f in r.failures]


def configure(plugin, pb):
    assert os.environ.get("MOTO_ENDPOINT"), "run inside scripts/with-moto"
    plugin.stub.Configure(pb.provider.ConfigureRequest(
        args=struct(pb, {"region": "us-east-1"}), acceptSecrets=True), timeout=60)


def test_policy_document_without_configure_or_aws(plugin, pb):
    out, fails = invoke(plugin, pb, PD, {"statements": [{
        "actions": ["s3:GetObject", "s3:ListBucket"], "resources": ["arn:aws:s3:::b/*"],
        "principals": [{"type": "Service", "identifiers": ["sagemaker.amazonaws.com"]}]}]})
    assert fails == []
    assert out["minifiedJson"] == (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListBucket",'
        '"s3:GetObject"],"Resource":"arn:aws:s3:::b/*","Principal":{"Service":'
        '"sagemaker.amazonaws.com"}}]}')
    assert json.loads(out["json"]) == json.loads(out["minifiedJson"])
    assert out["json"].startswith('{\n  "Version": "2012-10-17",\n  "Statement": [\n    {\n')
    assert out["version"] == "2012-10-17" and out["statements"][0]["effect"] == "Allow"
    assert out["id"].isdigit()
    # The same function under the provider's own package name.
    again, _ = invoke(plugin, pb, "awsml:iam/getPolicyDocument:getPolicyDocument",
                      {"statements": [{"actions": ["s3:ListBucket", "s3:GetObject"],
                                       "resources": ["arn:aws:s3:::b/*"],
                                       "principals": [{"type": "Service",
                                                       "identifiers": ["sagemaker.amazonaws.com"]}]}]})
    assert again["json"] == out["json"] and again["id"] == out["id"]


def test_bad_arguments_are_failures_naming_the_argument(plugin, pb):
    out, fails = invoke(plugin, pb, PD, {"version": "2020-01-01",
                                         "statements": [{"effect": "Permit", "sid": "a-b"}]})
    assert out == {}
    got = dict(fails)
    assert "must be one of 2008-10-17, 2012-10-17" in got["version"]
    assert "must be one of Allow, Deny" in got["statements[0].effect"]
    assert "letters and digits" in got["statements[0].sid"]
    _, fails = invoke(plugin, pb, "aws:index/getRegion:getRegion", {"region": "moon-base-1"})
    assert fails and fails[0][0] == "region" and "known AWS Region" in fails[0][1]


def test_unknown_function_lists_the_known_ones(plugin, pb):
    with pytest.raises(grpc.RpcError) as e:
        invoke(plugin, pb, "aws:ec2/getAmi:getAmi", {})
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    d = e.value.details()
    assert "'aws:ec2/getAmi:getAmi'" in d and "iam/getPolicyDocument:getPolicyDocument" in d
    assert "index/getCallerIdentity:getCallerIdentity" in d


def test_account_functions_need_configure(plugin, pb):
    with pytest.raises(grpc.RpcError) as e:
        invoke(plugin, pb, "aws:index/getCallerIdentity:getCallerIdentity", {})
    assert e.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "not configured" in e.value.details()


def test_caller_identity_partition_and_region_against_moto(plugin, pb):
    configure(plugin, pb)
    me = boto3.client("sts").get_caller_identity()
    out, fails = invoke(plugin, pb, "aws:index/getCallerIdentity:getCallerIdentity", {})
    assert fails == []
    assert out == {"id": me["Account"], "accountId": me["Account"], "arn": me["Arn"],
                   "userId": me["UserId"]}
    out, _ = invoke(plugin, pb, "awsml:index/getPartition:getPartition", {})
    assert out == {"id": "aws", "partition": "aws", "dnsSuffix": "amazonaws.com",
                   "reverseDnsPrefix": "com.amazonaws"}
    out, _ = invoke(plugin, pb, "aws:index/getRegion:getRegion", {})
    assert out == {"id": "us-east-1", "name": "us-east-1", "region": "us-east-1",
                   "endpoint": "ec2.us-east-1.amazonaws.com",
                   "description": "US East (N. Virginia)"}
    out, _ = invoke(plugin, pb, "aws:index/getRegion:getRegion",
                    {"endpoint": "ec2.eu-central-1.amazonaws.com"})
    assert out["region"] == "eu-central-1" and out["description"] == "Europe (Frankfurt)"


def test_secret_arguments_make_the_result_secret(plugin, pb):
    """The JSON text holds the secret argument: every value of the result is secret."""
    out, _ = invoke(plugin, pb, PD, {"policyId": secret("P1")})
    assert out["policyId"] == {SIG_KEY: SECRET_SIG, "value": "P1"}
    for k in ("json", "minifiedJson", "id", "version"):
        assert out[k][SIG_KEY] == SECRET_SIG, k
    assert json.loads(out["json"]["value"])["Id"] == "P1"
    plain, _ = invoke(plugin, pb, PD, {"policyId": "P1"})
    assert isinstance(plain["json"], str)


def test_schema_lists_the_functions(plugin, pb):
    r = plugin.stub.GetSchema(pb.provider.GetSchemaRequest(), timeout=10)
    fns = json.loads(r.schema)["functions"]
    assert set(fns) == {"awsml:index/getCallerIdentity:getCallerIdentity",
                        "awsml:index/getPartition:getPartition",
                        "awsml:index/getRegion:getRegion",
                        "awsml:iam/getPolicyDocument:getPolicyDocument"}
    pd = fns["awsml:iam/getPolicyDocument:getPolicyDocument"]
    assert {"statements", "version", "sourcePolicyDocuments", "overridePolicyDocuments",
            "policyId"} <= set(pd["inputs"]["properties"])
    assert {"json", "minifiedJson", "id"} <= set(pd["outputs"]["required"])
