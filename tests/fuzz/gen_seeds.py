#!/usr/bin/env python3
"""Writes the seed corpora of the protobuf harnesses (fuzz_rpc, fuzz_props) into
tests/fuzz/corpus/. Run once; the bytes are committed. Encodes protobuf by hand
so it needs nothing beyond Python."""
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
SECRET_SIG = "4dabf18193072939515e22adb298388d"
SECRET = "1b47061264138c4ac30d75fd1eb44270"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

# The method order of tests/fuzz/fuzz_rpc.c: the first byte selects one.
METHODS = ["Handshake", "GetPluginInfo", "GetSchema", "CheckConfig", "DiffConfig", "Check",
           "Diff", "Create", "Read", "Update", "Delete", "Attach", "Parameterize", "Invoke",
           "Call", "List", "Construct", "GetMapping", "GetMappings", "NoSuchMethod"]


def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


def ld(field, data):
    if isinstance(data, str):
        data = data.encode()
    return varint(field << 3 | 2) + varint(len(data)) + data


def vint(field, n):
    return varint(field << 3) + varint(n)


def dbl(field, x):
    return varint(field << 3 | 1) + struct.pack("<d", x)


def value(v):
    if v is None:
        return vint(1, 0)
    if isinstance(v, bool):
        return vint(4, int(v))
    if isinstance(v, (int, float)):
        return dbl(2, float(v))
    if isinstance(v, str):
        return ld(3, v)
    if isinstance(v, dict):
        return ld(5, struct_(v))
    if isinstance(v, list):
        return ld(6, b"".join(ld(1, value(x)) for x in v))
    raise TypeError(v)


def struct_(d):
    return b"".join(ld(1, ld(1, k) + ld(2, value(v))) for k, v in d.items())


def secret(v):
    return {SECRET_SIG: SECRET, "value": v}


TRUST = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
         '{"Service":"sagemaker.amazonaws.com"},"Action":"sts:AssumeRole"}]}')
ECHO_URN = "urn:pulumi:dev::proj::awsml:test/echo:Echo::e1"
ROLE_URN = "urn:pulumi:dev::proj::awsml:iam/role:Role::r1"
ECHO = {"a": "x", "n": 1.5, "b": True, "list": [1, "two", None], "obj": {"k": "v"},
        "s": secret("hidden"), "u": UNKNOWN, "replaceKey": "k1"}
ECHO2 = dict(ECHO, a="y", replaceKey="k2")
ROLE = {"name": "fuzz-role", "assumeRolePolicy": TRUST, "tags": {"team": "ml"},
        "inlinePolicies": [{"name": "p", "policy": '{"Statement":[{"Effect":"Allow",'
                            '"Action":"s3:*","Resource":"*"}]}'}]}
PIPE_URN = "urn:pulumi:dev::proj::awsml:sagemaker/pipeline:Pipeline::p1"
PIPE = {"pipelineName": "p", "roleArn": "arn:aws:iam::123456789012:role/r",
        "pipelineDefinition": '{"Version":"2020-12-01","Steps":[]}'}


def rpc_seeds():
    s = {}
    s["handshake"] = ("Handshake", ld(1, "127.0.0.1:1234") + ld(2, "/tmp") + ld(3, "/tmp"))
    s["getplugininfo"] = ("GetPluginInfo", b"")
    s["getschema"] = ("GetSchema", vint(1, 0))
    prov = "urn:pulumi:dev::proj::pulumi:providers:awsml::default"
    s["checkconfig"] = ("CheckConfig", ld(1, prov)
                        + ld(3, struct_({"region": "us-east-1", "profile": "dev"})))
    s["diffconfig"] = ("DiffConfig", ld(2, prov)
                       + ld(3, struct_({"region": "us-east-1"}))
                       + ld(4, struct_({"region": "eu-west-1"})))
    for tag, urn, news, olds, typ in (("echo", ECHO_URN, ECHO, ECHO2, "awsml:test/echo:Echo"),
                                      ("role", ROLE_URN, ROLE, ROLE, "awsml:iam/role:Role"),
                                      ("pipeline", PIPE_URN, PIPE, PIPE,
                                       "awsml:sagemaker/pipeline:Pipeline")):
        s["check_" + tag] = ("Check", ld(1, urn) + ld(2, struct_(olds)) + ld(3, struct_(news))
                             + ld(6, urn.rsplit("::", 1)[1]) + ld(7, typ))
        s["diff_" + tag] = ("Diff", ld(1, "id-1") + ld(2, urn) + ld(3, struct_(olds))
                            + ld(4, struct_(news)) + ld(5, "tags") + ld(6, struct_(olds)))
        s["create_preview_" + tag] = ("Create", ld(1, urn) + ld(2, struct_(news)) + vint(4, 1))
        s["update_preview_" + tag] = ("Update", ld(1, "id-1") + ld(2, urn) + ld(3, struct_(olds))
                                      + ld(4, struct_(news)) + vint(7, 1) + ld(8, struct_(olds)))
    s["create_echo"] = ("Create", ld(1, ECHO_URN) + ld(2, struct_(ECHO)) + dbl(3, 30))
    s["read_echo"] = ("Read", ld(1, "echo-e1") + ld(2, ECHO_URN) + ld(3, struct_(ECHO))
                      + ld(4, struct_(ECHO)))
    s["update_echo"] = ("Update", ld(1, "echo-e1") + ld(2, ECHO_URN) + ld(3, struct_(ECHO))
                        + ld(4, struct_(ECHO2)) + ld(8, struct_(ECHO)))
    s["delete_echo"] = ("Delete", ld(1, "echo-e1") + ld(2, ECHO_URN) + ld(3, struct_(ECHO))
                        + ld(5, struct_(ECHO)))
    s["read_role"] = ("Read", ld(1, "fuzz-role") + ld(2, ROLE_URN))
    s["attach"] = ("Attach", ld(1, "127.0.0.1:5678"))
    s["invoke"] = ("Invoke", ld(1, "awsml:index:getX") + ld(2, struct_({"a": 1})))
    return {k: bytes([METHODS.index(m)]) + body for k, (m, body) in s.items()}


def props_seeds():
    return {
        "echo": struct_(ECHO),
        "role": struct_(ROLE),
        "empty": b"",
        "nested": struct_({"a": {"b": {"c": [[1, 2], {"d": None}]}}}),
        "secret_unknowns": struct_({"s": secret({"x": [UNKNOWN]}), "u": UNKNOWN,
                                    "ub": "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7"}),
        "resource_ref": struct_({"r": {SECRET_SIG: "5cf8f73096256a8f31e491e813e4eb8e",
                                       "urn": ECHO_URN, "id": "echo-e1"}}),
        "output": struct_({"o": {SECRET_SIG: "d0e6a833031e9bbcd3f4e8bde6ca49a4",
                                 "value": "v", "secret": True, "dependencies": [ECHO_URN]}}),
        "asset": struct_({"a": {SECRET_SIG: "c44067f5952c0a294b673a41bacd8c17", "text": "hi"}}),
    }


def write(target, seeds):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


# tests/fuzz/fuzz_analyzer.c's index of Configure (the first byte of its inputs).
ANALYZER_CONFIGURE = 4


def analyzer_props_seeds():
    """Configure with rule properties (the other fuzz_analyzer seeds predate this script)."""
    def entry(name, level, props=None):
        pc = vint(1, level) + (ld(2, struct_(props)) if props is not None else b"")
        return ld(1, ld(1, name) + ld(2, pc))
    good = (entry("AWSML-IAM-003", 0, {"trustedAccounts": ["111122223333"]})
            + entry("AWSML-IAM-011", 1, {"allowedPolicies": [
                "arn:aws-cn:iam::aws:policy/job-function/PowerUserAccess"]})
            + entry("AWSML-IAM-012", 0, {"allowedPolicies": ["AmazonSageMakerFullAccess"],
                                         "enforcementLevel": "advisory"})
            + entry("AWSML-IAM-014", 0, {"maxSessionDuration": 7200}))
    bad = (entry("AWSML-IAM-014", 0, {"maxSessionDuration": 3600.5})
           + entry("AWSML-IAM-001", 0, {"trustedAccounts": [1, None, {"a": True}]}))
    return {"configure_props": bytes([ANALYZER_CONFIGURE]) + good,
            "configure_props_bad": bytes([ANALYZER_CONFIGURE]) + bad}


if __name__ == "__main__":
    write("fuzz_rpc", rpc_seeds())
    write("fuzz_props", props_seeds())
    write("fuzz_analyzer", analyzer_props_seeds())
