"""CheckConfig: every rule of the provider configuration that needs no network and no
credentials comes back as one CheckFailure per bad key (property = the config key, reason =
the text Configure gives for it), so the CLI shows each against its key; credentials and the
network are left to Configure."""
import json
import os
import socket
import stat
import threading
from pathlib import Path

import grpc
import pytest

from conftest import ROOT, UNKNOWN, secret, struct, to_dict

PROVIDER_URN = "urn:pulumi:dev::p::pulumi:providers:awsml::default"
# build/schema.json: written by gen-schema from schema/package.json and the tables
SCHEMA = json.loads((Path(os.environ.get("AWSML_BUILD", ROOT / "build")) / "schema.json").read_text())


def check_config(plugin, pb, news):
    P = pb.provider
    return plugin.stub.CheckConfig(P.CheckRequest(urn=PROVIDER_URN, olds=struct(pb, {}),
                                                  news=struct(pb, news)), timeout=10)


def configure(plugin, pb, args, timeout=10):
    P = pb.provider
    return plugin.stub.Configure(P.ConfigureRequest(args=struct(pb, args), acceptSecrets=True,
                                                    acceptResources=True), timeout=timeout)


def failures(resp):
    """{property: reason}, asserting each property is reported once."""
    props = [f.property for f in resp.failures]
    assert len(props) == len(set(props)), f"a key reported twice: {props}"
    return {f.property: f.reason for f in resp.failures}


# Bad values of many keys at once, in the forms the engine sends them: `pulumi config set`
# gives strings, a provider resource JSON-encodes non-string values.
BAD = {
    "region": "moon-1",
    "maxRetries": "-3",
    "retryMode": "fast",
    "skipCredentialsValidation": "maybe",
    "assumeRoles": '[{"sessionName": "s"}]',
    "assumeRoleWithWebIdentity": {"roleArn": "arn:aws:iam::123456789012:role/w"},
    "endpoints": [{"iam": "ftp://iam.example.com"}],
    "stsRegion": "Mars",
    "securityAdvisorSuppress": ["AWSML-NOPE-999"],
    "securityAdvisorRules": {"AWSML-IAM-014": {"maxSessionDuration": 99}},
    "securityAdvisor": "loud",
    "customCaBundle": "/nonexistent/awsml/ca.pem",
    "allowedAccountIds": "123456789012",
    "assumeRole": {"roleArn": "arn:aws:iam::123456789012:role/x"},
    "version": "1.2.3",
}

EXPECTED = {
    "region": 'invalid AWS region "moon-1": expected the form ^[a-z]{2}(-[a-z]+)+-[0-9]+$ such '
              "as us-east-1 or eu-central-2; set skipRegionValidation to use it anyway "
              "(from provider config)",
    "maxRetries": "provider config 'maxRetries' must be a whole number from 0 to 100",
    "retryMode": "provider config 'retryMode' must be standard or adaptive",
    "skipCredentialsValidation": "provider config 'skipCredentialsValidation' must be true or false",
    "assumeRoles": "assumeRoles[0].roleArn is required",
    "assumeRoleWithWebIdentity": "assumeRoleWithWebIdentity needs webIdentityToken or "
                                 "webIdentityTokenFile",
    "endpoints": "endpoint URL from the provider endpoints config must be an absolute http:// "
                 "or https:// URL with a host",
    "stsRegion": 'invalid AWS region "Mars": a region is 1-63 characters of a-z, 0-9 and \'-\' '
                 "(it becomes part of a host name)",
    "securityAdvisorSuppress": "provider config securityAdvisorSuppress[0]: 'AWSML-NOPE-999' is "
                               "not a rule ID (see the README's advisor rules)",
    "securityAdvisorRules": "provider config securityAdvisorRules.AWSML-IAM-014.maxSessionDuration: "
                            "99 is below 3600, the shortest maximum session duration IAM allows "
                            "a role (3600..43200 seconds)",
    "securityAdvisor": "provider config 'securityAdvisor' must be off, warn or enforce",
    "customCaBundle": "customCaBundle /nonexistent/awsml/ca.pem cannot be read: No such file or "
                      "directory",
    "allowedAccountIds": "allowedAccountIds must be a list of strings",
    "assumeRole": "provider config 'assumeRole' is not supported; use 'assumeRoles', a list of "
                  "roles assumed in order",
}


def test_every_bad_key_is_a_failure_with_configures_reason(plugin, pb):
    r = check_config(plugin, pb, BAD)
    assert failures(r) == EXPECTED
    # The inputs come back as they were sent (the engine keeps them in the state).
    assert to_dict(r.inputs) == BAD
    # Configure applies the same rules, in one place: its error holds every reason.
    with pytest.raises(grpc.RpcError) as e:
        configure(plugin, pb, BAD)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    msg = e.value.details()
    assert msg.startswith(f"the provider configuration has {len(EXPECTED)} problems:")
    for reason in EXPECTED.values():
        assert reason in msg


def test_one_bad_key_alone(plugin, pb):
    r = check_config(plugin, pb, {"region": "us-west-2", "maxRetries": 101})
    assert failures(r) == {"maxRetries": EXPECTED["maxRetries"]}
    with pytest.raises(grpc.RpcError) as e:
        configure(plugin, pb, {"region": "us-west-2", "maxRetries": 101})
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert e.value.details() == EXPECTED["maxRetries"]


def test_a_good_config_has_no_failures_in_either_form(plugin, pb, tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")
    native = {
        "region": "eu-central-1", "stsRegion": "us-west-2", "maxRetries": 5,
        "retryMode": "adaptive", "skipCredentialsValidation": True,
        "skipRequestingAccountId": True, "skipMetadataApiCheck": False, "insecure": False,
        "useFipsEndpoint": False, "customCaBundle": str(ca),
        "assumeRoles": [{"roleArn": "arn:aws:iam::123456789012:role/a", "duration": "1h30m",
                         "policyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
                         "tags": {"team": "ml"}, "transitiveTagKeys": ["team"]},
                        {"roleArn": "arn:aws:iam::123456789012:role/b", "durationSeconds": 900}],
        "assumeRoleWithWebIdentity": {"roleArn": "arn:aws:iam::123456789012:role/w",
                                      "webIdentityTokenFile": "/var/run/token"},
        "endpoints": [{"iam": "http://127.0.0.1:1", "sts": "https://sts.example.com/"}],
        "securityAdvisor": "enforce", "securityAdvisorSuppress": ["AWSML-IAM-001"],
        "securityAdvisorRules": {"AWSML-IAM-012": {"allowedPolicies": ["AmazonSageMakerFullAccess"]},
                                 "AWSML-IAM-014": {"maxSessionDuration": 7200}},
        "allowedAccountIds": ["123456789012"], "forbiddenAccountIds": [],
        "defaultTags": {"tags": {"env": "dev"}}, "version": "0.1.0",
        "sharedCredentialsFiles": [str(tmp_path / "missing-credentials")],
        "accessKey": secret("AKIDEXAMPLE"), "secretKey": secret("not-a-real-secret"),
    }
    r = check_config(plugin, pb, native)
    assert failures(r) == {}
    encoded = {k: (v if isinstance(v, str) else
                   str(v).lower() if isinstance(v, bool) else
                   str(v) if isinstance(v, int) else
                   json.dumps(v))
               for k, v in native.items() if k not in ("accessKey", "secretKey")}
    r = check_config(plugin, pb, encoded)
    assert failures(r) == {}
    assert to_dict(r.inputs) == encoded


def test_unknown_keys_fail_with_the_key_they_likely_meant(plugin, pb):
    r = check_config(plugin, pb, {"region": "us-west-2", "regoin": "us-east-1",
                                  "skip_credentials_validation": "true",
                                  "s3UsePathStyle": "true"})
    got = failures(r)
    assert got.pop("regoin") == "unknown provider config key 'regoin': did you mean region?"
    assert got.pop("skip_credentials_validation") == (
        "unknown provider config key 'skip_credentials_validation': did you mean "
        "skipCredentialsValidation?")
    # A pulumi-aws key awsml does not serve is unknown too, with nothing close to suggest.
    reason = got.pop("s3UsePathStyle")
    assert reason.startswith("unknown provider config key 's3UsePathStyle'")
    assert "did you mean" not in reason
    assert got == {}
    # Configure is not where keys are judged (the engine ran CheckConfig first): it warns.
    configure(plugin, pb, {"region": "us-west-2", "regoin": "us-east-1",
                           "skipCredentialsValidation": True, "skipRequestingAccountId": True})


def test_the_engines_keys_and_every_schema_key_are_known(plugin, pb):
    # What the engine itself may put beside the provider's keys: `version` always, the
    # plugin download URL and checksums (older engines at the top level, newer ones
    # under __internal, which they remove before calling the provider).
    engine = {"version": "7.51.1", "pluginDownloadURL": "https://example.com/plugins",
              "pluginChecksums": {"linux-amd64": "00"}, "__internal": {"name": "aws"},
              "__anything": "x"}
    r = check_config(plugin, pb, {"region": "us-west-2", **engine})
    assert failures(r) == {}
    # Every key the schema declares is known (values not known yet are not judged, so
    # only the key check can fail here).
    keys = SCHEMA["config"]["variables"]
    r = check_config(plugin, pb, {k: UNKNOWN for k in keys})
    assert failures(r) == {}
    assert set(keys) == set(SCHEMA["provider"]["inputProperties"])


def test_values_not_known_yet_are_not_judged(start_plugin, pb, tmp_path):
    # No region anywhere in the environment: only the unknown config value could give one.
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    p = start_plugin(env=env)
    r = check_config(p, pb, {"region": UNKNOWN, "maxRetries": UNKNOWN, "endpoints": UNKNOWN,
                             "assumeRoles": [{"roleArn": UNKNOWN}], "retryMode": "fast"})
    assert failures(r) == {"retryMode": EXPECTED["retryMode"]}
    # Without the unknown, the missing region is a failure of the region key.
    r = check_config(p, pb, {})
    got = failures(r)
    assert list(got) == ["region"]
    assert got["region"].startswith("no AWS region: tried the provider's region config, AWS_REGION")


def test_environment_and_file_problems(start_plugin, pb, tmp_path):
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "AWS_REGION": "us-east-1",
           "AWS_MAX_ATTEMPTS": "many"}
    p = start_plugin(env=env)
    bad_creds = tmp_path / "credentials"
    bad_creds.write_text("[default\naws_access_key_id = x\n")
    good_conf = tmp_path / "config"
    good_conf.write_text("[profile dev]\nregion = eu-west-1\n")
    r = check_config(p, pb, {"sharedCredentialsFiles": [str(bad_creds)],
                             "sharedConfigFiles": [str(good_conf)]})
    got = failures(r)
    # A variable of the environment belongs to no key: the CLI shows it for the provider.
    assert got[""] == "AWS_MAX_ATTEMPTS must be a whole number"
    assert list(got) == ["sharedCredentialsFiles", ""]
    assert str(bad_creds) in got["sharedCredentialsFiles"]
    assert "section header without ']'" in got["sharedCredentialsFiles"]
    # maxRetries wins over AWS_MAX_ATTEMPTS; the config file alone is fine.
    r = check_config(p, pb, {"sharedConfigFiles": [str(good_conf)], "maxRetries": 2})
    assert failures(r) == {}


class Listener:
    """A TCP port that records every connection and closes it at once."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.connections = 0
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.thread.join(5)


@pytest.fixture
def listener():
    lst = Listener()
    yield lst
    lst.close()


def test_no_network_and_no_credential_lookup(start_plugin, pb, tmp_path, listener):
    """Every credential source that would talk to something points at the listener or runs a
    program that leaves a mark: CheckConfig must touch none of them, Configure does."""
    marker = tmp_path / "credential_process-ran"
    helper = tmp_path / "creds.sh"
    helper.write_text(f"#!/bin/sh\ntouch {marker}\n"
                      'echo \'{"Version": 1, "AccessKeyId": "AKIDEXAMPLE", '
                      '"SecretAccessKey": "not-a-real-secret"}\'\n')
    helper.chmod(helper.stat().st_mode | stat.S_IXUSR)
    conf = tmp_path / "config"
    conf.write_text(f"[profile dev]\ncredential_process = {helper}\n")
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path),
           "AWS_CONFIG_FILE": str(conf),
           "AWS_CONTAINER_CREDENTIALS_FULL_URI": listener.url + "/creds",
           "AWS_EC2_METADATA_SERVICE_ENDPOINT": listener.url,
           "AWSML_HTTP_TIMEOUT_MS": "2000", "AWSML_RETRY_BASE_MS": "1"}
    p = start_plugin(env=env)
    svc = {s: listener.url for s in ("iam", "sts", "sagemaker", "s3", "kms")}

    # No credentials anywhere (no profile chosen, container and IMDS at the listener).
    r = check_config(p, pb, {"region": "us-east-1", "endpoints": [svc], "maxRetries": 0})
    assert failures(r) == {}
    # A profile whose credentials come from a program, and STS validation on.
    cfg = {"region": "us-east-1", "profile": "dev", "endpoints": [svc], "maxRetries": 0}
    r = check_config(p, pb, cfg)
    assert failures(r) == {}
    assert listener.connections == 0, "CheckConfig connected to an endpoint"
    assert not marker.exists(), "CheckConfig ran credential_process"

    # Configure with the same configuration resolves credentials and calls STS.
    with pytest.raises(grpc.RpcError):
        configure(p, pb, cfg, timeout=30)
    assert marker.exists()
    assert listener.connections > 0


ROLE_T = "aws:iam/role:Role"
ATTACH_T = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
FULL = "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"


def advisor_failures(plugin, pb, type_, news):
    P = pb.provider
    urn = f"urn:pulumi:dev::p::{type_}::r"
    r = plugin.stub.Check(P.CheckRequest(urn=urn, name="r", type=type_, olds=struct(pb, {}),
                                         news=struct(pb, news), randomSeed=b"s" * 32), timeout=30)
    return sorted(f.reason.split("]")[0].lstrip("[") for f in r.failures if f.reason.startswith("["))


def test_security_advisor_rules_reach_check(start_plugin, pb):
    """securityAdvisorRules: the policy pack's rule properties, read by the same parser, for
    Check (enforce makes findings failures, so they can be counted)."""
    attach = {"role": "r", "policyArn": FULL}
    role = {"assumeRolePolicy": json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
         "Action": "sts:AssumeRole"}]}), "maxSessionDuration": 7200,
        "permissionsBoundary": "arn:aws:iam::111122223333:policy/b"}
    base = {"region": "us-east-1", "securityAdvisor": "enforce"}
    p = start_plugin()
    configure(p, pb, base)
    assert advisor_failures(p, pb, ATTACH_T, attach) == ["AWSML-IAM-012"]
    assert advisor_failures(p, pb, ROLE_T, role) == ["AWSML-IAM-003", "AWSML-IAM-014"]
    q = start_plugin()
    rules = {"AWSML-IAM-012": {"allowedPolicies": ["AmazonSageMakerFullAccess"]},
             "AWSML-IAM-003": {"trustedAccounts": ["111122223333"]},
             "AWSML-IAM-014": {"maxSessionDuration": 7200}}
    # As a provider resource sends it (JSON in a string) and as an object.
    configure(q, pb, {**base, "securityAdvisorRules": json.dumps(rules)})
    assert advisor_failures(q, pb, ATTACH_T, attach) == []
    assert advisor_failures(q, pb, ROLE_T, role) == []
    # Near misses: one second over the maximum, another account, the other rule's list.
    r = start_plugin()
    configure(r, pb, {**base, "securityAdvisorRules": {
        "AWSML-IAM-011": {"allowedPolicies": ["AmazonSageMakerFullAccess"]},
        "AWSML-IAM-003": {"trustedAccounts": ["111122223334"]},
        "AWSML-IAM-014": {"maxSessionDuration": 7199}}})
    assert advisor_failures(r, pb, ATTACH_T, attach) == ["AWSML-IAM-012"]
    assert advisor_failures(r, pb, ROLE_T, role) == ["AWSML-IAM-003", "AWSML-IAM-014"]


def test_security_advisor_rules_errors(plugin, pb):
    cases = {
        "AWSML-NOPE-1": ({"AWSML-NOPE-1": {}}, "provider config securityAdvisorRules: "
                         "'AWSML-NOPE-1' is not a rule ID (see the README's advisor rules)"),
        "no property": ({"AWSML-IAM-001": {"allowedPolicies": []}},
                        "provider config securityAdvisorRules.AWSML-IAM-001.allowedPolicies: "
                        "AWSML-IAM-001 has no property 'allowedPolicies' (it takes none; the "
                        "rules with properties are listed in the README, \"Rule properties\")"),
        "bad account": ({"AWSML-IAM-003": {"trustedAccounts": ["1", "12345"]}},
                        "provider config securityAdvisorRules.AWSML-IAM-003.trustedAccounts[0]: "
                        "'1' is not an AWS account ID (12 digits)"),
        "not an object": ([1], "provider config 'securityAdvisorRules' must be an object: rule "
                          "ID -> its properties"),
    }
    for name, (value, want) in cases.items():
        r = check_config(plugin, pb, {"region": "us-east-1", "securityAdvisorRules": value})
        assert failures(r) == {"securityAdvisorRules": want}, name
