"""The policy-pack door (issue 14): the binary started as pulumi-analyzer-awsml
serves pulumirpc.Analyzer over real gRPC, driven here with resources as
pulumi-aws sends them (types awsml does not serve included)."""
import json
import os
import re
import signal

import grpc
import pytest

from conftest import ROOT, BIN, UNKNOWN, secret, struct, urn

VERSION = os.environ.get("AWSML_EXPECT_VERSION", "0.1.0")

OPEN_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]})
ROLE_URN = urn("aws:iam/role:Role", "open")


def rule_table():
    """{rule ID: severity} from the advisor's rule tables, the source of truth."""
    rules = {}
    for f in ("advisor.c", "advisor_stack.c"):
        text = (ROOT / "provider/resources" / f).read_text()
        for rid, sev in re.findall(r'\{\s*"(AWSML-[A-Z0-9]+-\d+)",\s*ADVISOR_(\w+)', text):
            rules[rid] = sev
    assert rules, "no rule found in provider/resources/advisor*.c"
    return rules


@pytest.fixture
def pack(start_plugin, pb, tmp_path):
    exe = tmp_path / "pulumi-analyzer-awsml"
    exe.symlink_to(BIN)
    p = start_plugin(exe=exe)
    p.an = pb.analyzer_grpc.AnalyzerStub(p.channel)
    return p


def analyze(pack, pb, type_, props, name="r"):
    req = pb.analyzer.AnalyzeRequest(type=type_, properties=struct(pb, props),
                                     urn=urn(type_, name), name=name)
    return list(pack.an.Analyze(req, timeout=10).diagnostics)


def configure(pack, pb, levels):
    E = pb.analyzer.EnforcementLevel
    req = pb.analyzer.ConfigureAnalyzerRequest()
    for name, level in levels.items():
        req.policyConfig[name].enforcementLevel = E.Value(level.upper())
    pack.an.Configure(req, timeout=10)


def test_plugin_info_and_every_rule_as_a_policy(pack, pb):
    from google.protobuf import empty_pb2
    assert pack.an.GetPluginInfo(empty_pb2.Empty(), timeout=10).version == VERSION
    info = pack.an.GetAnalyzerInfo(empty_pb2.Empty(), timeout=10)
    assert (info.name, info.version, info.supportsConfig) == ("awsml", VERSION, True)
    assert info.description
    rules = rule_table()
    got = {p.name: p for p in info.policies}
    assert sorted(got) == sorted(rules)
    S = pb.analyzer.PolicySeverity
    want_sev = {"INFO": S.Value("POLICY_SEVERITY_LOW"), "WARNING": S.Value("POLICY_SEVERITY_MEDIUM"),
                "HIGH": S.Value("POLICY_SEVERITY_HIGH")}
    for rid, p in got.items():
        assert p.severity == want_sev[rules[rid]], rid
        assert p.enforcementLevel == pb.analyzer.EnforcementLevel.Value("ADVISORY"), rid
        assert p.description and p.message and p.remediation_steps == p.message, rid
    assert got["AWSML-IAM-002"].description.startswith("Trust policy allows Principal")


def test_analyze_both_token_families_and_foreign_types(pack, pb):
    props = {"assumeRolePolicy": OPEN_TRUST, "name": UNKNOWN,
             "tags": {"team": secret("ml")}}
    for pkg in ("aws", "awsml"):
        diags = analyze(pack, pb, f"{pkg}:iam/role:Role", props, name="open")
        ids = [d.policyName for d in diags]
        assert "AWSML-IAM-002" in ids, (pkg, ids)
        d = diags[ids.index("AWSML-IAM-002")]
        assert d.urn == urn(f"{pkg}:iam/role:Role", "open")
        assert (d.policyPackName, d.policyPackVersion) == ("awsml", VERSION)
        assert d.enforcementLevel == pb.analyzer.EnforcementLevel.Value("ADVISORY")
        assert d.severity == pb.analyzer.PolicySeverity.Value("POLICY_SEVERITY_HIGH")
        assert d.message.startswith("assumeRolePolicy: ") and " Fix: " in d.message, d.message
        assert d.description.startswith("Trust policy allows Principal")
    # A trust limited to one service account with a condition: silent on IAM-002.
    assert "AWSML-IAM-002" not in [d.policyName for d in analyze(pack, pb, "aws:iam/role:Role", {
        "assumeRolePolicy": json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
             "Action": "sts:AssumeRole"}]})})]
    # Types awsml does not serve (BucketV2, the V2 encryption and versioning resources),
    # and types it serves, as pulumi-aws sends them: each rule fires, and its near miss
    # stays silent.
    sse = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
    cases = [
        ("aws:kms/key:Key", {"enableKeyRotation": False, "description": UNKNOWN},
         {"enableKeyRotation": True, "description": UNKNOWN}, "AWSML-KMS-001"),
        (sse, {"bucket": UNKNOWN, "rules": [{"applyServerSideEncryptionByDefault":
                                             {"sseAlgorithm": "AES256"}}]},
         {"bucket": UNKNOWN, "rules": [{"applyServerSideEncryptionByDefault":
                                        {"sseAlgorithm": "aws:kms",
                                         "kmsMasterKeyId": "arn:aws:kms:us-east-1:1:key/k"}}]},
         "AWSML-S3-001"),
        ("aws:s3/bucketVersioningV2:BucketVersioningV2",
         {"bucket": "b", "versioningConfiguration": {"status": "Suspended"}},
         {"bucket": "b", "versioningConfiguration": {"status": "Enabled"}}, "AWSML-S3-003"),
        ("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
         {"bucket": "b", "blockPublicAcls": True, "blockPublicPolicy": True,
          "ignorePublicAcls": False, "restrictPublicBuckets": True},
         {"bucket": "b", "blockPublicAcls": True, "blockPublicPolicy": True,
          "ignorePublicAcls": True, "restrictPublicBuckets": True}, "AWSML-S3-002"),
    ]
    for t, bad, good, rule in cases:
        diags = analyze(pack, pb, t, bad)
        assert rule in [d.policyName for d in diags], (t, list(diags))
        assert all(d.urn == urn(t, "r") for d in diags)
        assert rule not in [d.policyName for d in analyze(pack, pb, t, good)], t
    assert analyze(pack, pb, "aws:ec2/vpc:Vpc", {"cidrBlock": "10.0.0.0/16"}) == []
    assert analyze(pack, pb, "gcp:iam/role:Role", props) == []
    assert analyze(pack, pb, "pulumi:pulumi:Stack", {}) == []


def test_configure_mandatory_disabled_and_bad_names(pack, pb):
    props = {"assumeRolePolicy": OPEN_TRUST}
    configure(pack, pb, {"AWSML-IAM-002": "mandatory", "all": "advisory"})
    d = [d for d in analyze(pack, pb, "aws:iam/role:Role", props) if d.policyName == "AWSML-IAM-002"]
    assert [x.enforcementLevel for x in d] == [pb.analyzer.EnforcementLevel.Value("MANDATORY")]
    configure(pack, pb, {"AWSML-IAM-002": "remediate"})  # nothing is remediated: mandatory
    d = [d for d in analyze(pack, pb, "aws:iam/role:Role", props) if d.policyName == "AWSML-IAM-002"]
    assert [x.enforcementLevel for x in d] == [pb.analyzer.EnforcementLevel.Value("MANDATORY")]
    configure(pack, pb, {"AWSML-IAM-002": "disabled"})
    assert "AWSML-IAM-002" not in [x.policyName for x in analyze(pack, pb, "aws:iam/role:Role", props)]
    # A new Configure replaces the last: unnamed rules are advisory again.
    configure(pack, pb, {})
    d = [d for d in analyze(pack, pb, "aws:iam/role:Role", props) if d.policyName == "AWSML-IAM-002"]
    assert [x.enforcementLevel for x in d] == [pb.analyzer.EnforcementLevel.Value("ADVISORY")]
    with pytest.raises(grpc.RpcError) as ei:
        configure(pack, pb, {"AWSML-NOPE-001": "mandatory"})
    assert ei.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "'AWSML-NOPE-001' is not a policy of the awsml pack" in ei.value.details()


def configure_props(pack, pb, props):
    """Configure with {policy: properties}, every policy advisory."""
    req = pb.analyzer.ConfigureAnalyzerRequest()
    for name, p in props.items():
        req.policyConfig[name].enforcementLevel = pb.analyzer.EnforcementLevel.Value("ADVISORY")
        if p is not None:
            req.policyConfig[name].properties.update(p)
    pack.an.Configure(req, timeout=10)


def test_rule_properties_schemas_configure_and_defaults(pack, pb):
    from google.protobuf import empty_pb2
    from google.protobuf.json_format import MessageToDict
    info = pack.an.GetAnalyzerInfo(empty_pb2.Empty(), timeout=10)
    schemas = {p.name: MessageToDict(p.configSchema.properties)
               for p in info.policies if p.HasField("configSchema")}
    assert sorted(schemas) == ["AWSML-IAM-003", "AWSML-IAM-011", "AWSML-IAM-012",
                               "AWSML-IAM-014"], schemas
    accounts = schemas["AWSML-IAM-003"]["trustedAccounts"]
    assert (accounts["type"], accounts["maxItems"], accounts["items"]) == \
        ("array", 32, {"type": "string", "pattern": "^[0-9]{12}$"})
    for rid in ("AWSML-IAM-011", "AWSML-IAM-012"):
        pol = schemas[rid]["allowedPolicies"]
        assert (pol["type"], pol["maxItems"], pol["items"]["type"]) == ("array", 32, "string")
        pat = re.compile(pol["items"]["pattern"])
        assert pat.search("AmazonSageMakerFullAccess")
        assert pat.search("arn:aws-us-gov:iam::aws:policy/service-role/AmazonSageMakerFullAccess")
        assert not pat.search("arn:aws:iam::123456789012:policy/Mine")
        assert rid in pol["description"]
    sess = schemas["AWSML-IAM-014"]["maxSessionDuration"]
    assert {k: sess[k] for k in ("type", "minimum", "maximum", "default")} == \
        {"type": "integer", "minimum": 3600, "maximum": 43200, "default": 3600}
    assert all(next(iter(s.values()))["description"] for s in schemas.values())

    role = "aws:iam/role:Role"
    att = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
    sm = {"role": "r", "policyArn": "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"}
    s3 = {"role": "r", "policyArn": "arn:aws:iam::aws:policy/AmazonS3FullAccess"}
    trust = {"assumeRolePolicy": json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": ["111122223333", "arn:aws:iam::444455556666:root"]},
         "Action": "sts:AssumeRole"}]}), "maxSessionDuration": 7200}

    def found(type_, props, rule):
        return [d.message for d in analyze(pack, pb, type_, props) if d.policyName == rule]

    configure_props(pack, pb, {})
    assert found(att, sm, "AWSML-IAM-012") and found(role, trust, "AWSML-IAM-014")
    assert len(found(role, trust, "AWSML-IAM-003")) == 2
    configure_props(pack, pb, {"AWSML-IAM-012": {"allowedPolicies": ["AmazonSageMakerFullAccess"]},
                               "AWSML-IAM-014": {"maxSessionDuration": 7200},
                               "AWSML-IAM-003": {"trustedAccounts": ["444455556666"]}})
    assert found(att, sm, "AWSML-IAM-012") == []
    assert found(att, s3, "AWSML-IAM-012")  # another managed policy: still reported
    assert found(role, trust, "AWSML-IAM-014") == []
    assert "configured maximum of 7200" in found(role, dict(trust, maxSessionDuration=7201),
                                                  "AWSML-IAM-014")[0]
    left = found(role, trust, "AWSML-IAM-003")
    assert len(left) == 1 and "111122223333" in left[0], left

    # Bad properties: the named error, and the last good configuration stays.
    for props, want in [
        ({"AWSML-IAM-014": {"maxSessionDuration": 99}},
         "policy pack config AWSML-IAM-014.maxSessionDuration: 99 is below 3600"),
        ({"AWSML-IAM-014": {"maxSessionDuration": "long"}},
         "AWSML-IAM-014.maxSessionDuration: must be an integer number of seconds"),
        ({"AWSML-IAM-003": {"trustedAccounts": ["1234"]}},
         "AWSML-IAM-003.trustedAccounts[0]: '1234' is not an AWS account ID (12 digits)"),
        ({"AWSML-IAM-012": {"allowedPolicies": ["ok"]}, "AWSML-IAM-011": {"allowedPolicies": 1}},
         "AWSML-IAM-011.allowedPolicies: must be an array"),
        ({"AWSML-IAM-002": {"trustedAccounts": []}},
         "AWSML-IAM-002.trustedAccounts: AWSML-IAM-002 has no property 'trustedAccounts'"),
    ]:
        with pytest.raises(grpc.RpcError) as ei:
            configure_props(pack, pb, props)
        assert ei.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert want in ei.value.details(), ei.value.details()
    assert found(att, sm, "AWSML-IAM-012") == [] and found(role, trust, "AWSML-IAM-014") == []

    # A later Configure without properties restores the defaults.
    configure_props(pack, pb, {"AWSML-IAM-012": None})
    assert found(att, sm, "AWSML-IAM-012") and found(role, trust, "AWSML-IAM-014")
    assert len(found(role, trust, "AWSML-IAM-003")) == 2


def test_suppress_tag_holds_in_the_pack(pack, pb):
    tagged = {"assumeRolePolicy": OPEN_TRUST,
              "tags": {"awsml:advisor-suppress": "AWSML-IAM-002: a lab role"}}
    ids = [d.policyName for d in analyze(pack, pb, "aws:iam/role:Role", tagged)]
    assert "AWSML-IAM-002" not in ids and ids, ids


def test_handshake_configure_stack_cancel_and_remediate(pack, pb):
    from google.protobuf import empty_pb2
    pack.an.Handshake(pb.analyzer.AnalyzerHandshakeRequest(
        root_directory="/tmp", program_directory="/tmp"), timeout=10)
    pack.an.ConfigureStack(pb.analyzer.AnalyzerStackConfigureRequest(
        stack="dev", project="p", dry_run=True), timeout=10)
    with pytest.raises(grpc.RpcError) as ei:
        pack.an.Remediate(pb.analyzer.AnalyzeRequest(type="aws:iam/role:Role"), timeout=10)
    assert ei.value.code() == grpc.StatusCode.UNIMPLEMENTED
    # The provider's service is not served in policy-pack mode, and the other way round.
    with pytest.raises(grpc.RpcError) as ei:
        pack.raw("GetPluginInfo", b"")
    assert ei.value.code() == grpc.StatusCode.UNIMPLEMENTED
    pack.an.Cancel(empty_pb2.Empty(), timeout=10)
    assert pack.proc.wait(15) == 0


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_pack_exits_cleanly_on_a_signal_with_a_connection_open(pack, pb, sig):
    """The engine ends a pack with SIGINT after every preview; the pack keeps no state, so
    it exits at once (status 0) however many calls came before, channel still open."""
    for i in range(3):
        assert analyze(pack, pb, "aws:iam/role:Role", {"assumeRolePolicy": OPEN_TRUST},
                       name=f"r{i}")
    # Under ASan the leak check still runs first: a leak would make the status non-zero.
    assert pack.stop(sig) == 0, pack.stderr


def test_provider_mode_does_not_serve_the_analyzer(plugin, pb):
    from google.protobuf import empty_pb2
    with pytest.raises(grpc.RpcError) as ei:
        pb.analyzer_grpc.AnalyzerStub(plugin.channel).GetAnalyzerInfo(empty_pb2.Empty(), timeout=10)
    assert ei.value.code() == grpc.StatusCode.UNIMPLEMENTED


def stack_resource(pb, type_, name, props, deps=(), propdeps=None, parent=""):
    r = pb.analyzer.AnalyzerResource(type=type_, urn=urn(type_, name), name=name,
                                     properties=struct(pb, props), parent=parent,
                                     dependencies=list(deps))
    for k, urns in (propdeps or {}).items():
        r.propertyDependencies[k].urns.extend(urns)
    return r


def test_analyze_stack_accepts_a_preview_stack_with_dependencies(pack, pb):
    """A preview's outputs (unknowns, secrets) and dependencies decode; per-resource
    rules are Analyze's, so a stack of one open role gives no per-resource finding."""
    stack = urn("pulumi:pulumi:Stack", "proj-dev")
    res = [
        stack_resource(pb, "pulumi:pulumi:Stack", "proj-dev", {}),
        stack_resource(pb, "aws:iam/role:Role", "open", {"assumeRolePolicy": OPEN_TRUST,
                                                         "arn": UNKNOWN}, parent=stack),
        stack_resource(pb, "aws:s3/bucket:Bucket", "b", {"bucket": UNKNOWN,
                                                         "tags": {"t": secret("x")}},
                       parent=stack),
    ]
    resp = pack.an.AnalyzeStack(pb.analyzer.AnalyzeStackRequest(resources=res), timeout=10)
    assert [d.policyName for d in resp.diagnostics if d.policyName.startswith("AWSML-IAM")] == []


def test_analyze_stack_pipeline_definition_in_an_unencrypted_bucket(pack, pb):
    """AWSML-STACK-001 (branch rules): a pipeline whose definition lives in a bucket of
    the stack without SSE-KMS, linked in a preview only by property dependencies."""
    b_urn = urn("aws:s3/bucket:Bucket", "defs")
    res = [
        stack_resource(pb, "aws:s3/bucket:Bucket", "defs", {"bucket": UNKNOWN, "arn": UNKNOWN}),
        stack_resource(pb, "aws:sagemaker/pipeline:Pipeline", "p", {
            "pipelineName": "p", "roleArn": "arn:aws:iam::123456789012:role/r",
            "pipelineDefinitionS3Location": {"bucket": UNKNOWN, "objectKey": "p.json"}},
            deps=[b_urn], propdeps={"pipelineDefinitionS3Location": [b_urn]}),
    ]
    resp = pack.an.AnalyzeStack(pb.analyzer.AnalyzeStackRequest(resources=res), timeout=10)
    found = [d for d in resp.diagnostics if d.policyName == "AWSML-STACK-001"]
    assert found, list(resp.diagnostics)
    assert found[0].urn == urn("aws:sagemaker/pipeline:Pipeline", "p")
    assert found[0].severity == pb.analyzer.PolicySeverity.Value("POLICY_SEVERITY_HIGH")
    # The whole stack is there, so the bucket's missing companions are findings on it.
    assert "AWSML-S3-101" in [d.policyName for d in resp.diagnostics if d.urn == b_urn]

    # Near miss: the bucket gets SSE-KMS, a full public access block and a TLS-only
    # policy, each linked to it only through its property dependencies.
    deny = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})
    flags = {f: True for f in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                               "restrictPublicBuckets")}
    companions = [
        stack_resource(pb, "aws:s3/bucketServerSideEncryptionConfiguration:"
                       "BucketServerSideEncryptionConfiguration", "sse", {
                           "bucket": UNKNOWN, "rules": [{"applyServerSideEncryptionByDefault": {
                               "sseAlgorithm": "aws:kms", "kmsMasterKeyId": UNKNOWN}}]},
                       deps=[b_urn], propdeps={"bucket": [b_urn]}),
        stack_resource(pb, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "pab",
                       {"bucket": UNKNOWN, **flags}, deps=[b_urn], propdeps={"bucket": [b_urn]}),
        stack_resource(pb, "aws:s3/bucketPolicy:BucketPolicy", "tls",
                       {"bucket": UNKNOWN, "policy": deny}, deps=[b_urn],
                       propdeps={"bucket": [b_urn]}),
    ]
    resp = pack.an.AnalyzeStack(pb.analyzer.AnalyzeStackRequest(resources=res + companions),
                                timeout=10)
    ids = [d.policyName for d in resp.diagnostics]
    assert "AWSML-STACK-001" not in ids and "AWSML-S3-101" not in ids, list(resp.diagnostics)
    res[0].properties.update({"tags": {"awsml:advisor-suppress": "AWSML-S3-101"}})
    resp = pack.an.AnalyzeStack(pb.analyzer.AnalyzeStackRequest(resources=res), timeout=10)
    assert "AWSML-S3-101" not in [d.policyName for d in resp.diagnostics]
    configure(pack, pb, {"AWSML-STACK-001": "disabled"})
    resp = pack.an.AnalyzeStack(pb.analyzer.AnalyzeStackRequest(resources=res), timeout=10)
    assert "AWSML-STACK-001" not in [d.policyName for d in resp.diagnostics]


# ---- the Check door of the stack rules (provider mode) ---------------------------------

SSE_T = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
PIPE_T = "aws:sagemaker/pipeline:Pipeline"
PIPE_IN = {"pipelineName": "p", "pipelineDisplayName": "p",
           "roleArn": "arn:aws:iam::123456789012:role/r",
           "pipelineDefinitionS3Location": {"bucket": "art-bucket", "objectKey": "d.json"}}


def provider_check(plugin, pb, type_, name, news):
    P = pb.provider
    r = plugin.stub.Check(P.CheckRequest(urn=urn(type_, name), name=name, type=type_,
                                         olds=struct(pb, {}), news=struct(pb, news),
                                         randomSeed=b"s" * 32), timeout=30)
    return [(f.property, f.reason) for f in r.failures]


def enforcing(plugin, pb):
    plugin.stub.Configure(pb.provider.ConfigureRequest(
        args=struct(pb, {"region": "us-east-1", "securityAdvisor": "enforce"}),
        acceptSecrets=True), timeout=60)


def test_check_reports_a_stack_rule_on_the_resource_checked_after_its_companion(start_plugin, pb):
    p = start_plugin()
    enforcing(p, pb)
    provider_check(p, pb, "aws:s3/bucket:Bucket", "art", {"bucket": "art-bucket"})
    sse = {"bucket": "art-bucket",
           "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]}
    assert any("[AWSML-S3-001]" in r for _, r in provider_check(p, pb, SSE_T, "sse", sse))
    fails = provider_check(p, pb, PIPE_T, "pipe", PIPE_IN)
    stack = [(prop, r) for prop, r in fails if "[AWSML-STACK-001]" in r]
    assert stack, fails
    assert stack[0][0] == "pipelineDefinitionS3Location", stack
    assert "Pipeline pipe" in stack[0][1] and "bucket art of this stack" in stack[0][1], stack
    # The same pipeline in a process that has seen no bad companion: no stack finding
    # (Check never counts an absence), only the per-resource ones.
    q = start_plugin()
    enforcing(q, pb)
    provider_check(q, pb, "aws:s3/bucket:Bucket", "art", {"bucket": "art-bucket"})
    fails = provider_check(q, pb, PIPE_T, "pipe", PIPE_IN)
    assert not [r for _, r in fails if "AWSML-STACK" in r], fails
    assert [r for _, r in fails if "[AWSML-SM-006]" in r], fails
