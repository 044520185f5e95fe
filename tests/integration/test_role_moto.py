"""aws:iam/role:Role over gRPC against moto (the suite runs inside
scripts/with-moto): Check, preview and real Create, Diff by policy meaning,
Update of every field, refresh with drift, import, and Delete with what
blocks a DeleteRole (instance profiles, managed and inline policies)."""
import json
import os

import boto3
import grpc
import pytest

from conftest import UNKNOWN, struct, to_dict, urn

TOKEN = "aws:iam/role:Role"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})
# The same document: keys reordered, one-element lists, Statement as an object.
TRUST_EQUIV = json.dumps({"Statement": {"Action": ["sts:AssumeRole"], "Effect": "Allow",
                                        "Principal": {"Service": ["sagemaker.amazonaws.com"]}},
                          "Version": "2012-10-17"}, indent=2)
TRUST_EC2 = TRUST.replace("sagemaker", "ec2")
POL_A = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})
POL_B = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Deny", "Action": "s3:*", "Resource": "*"}]})


@pytest.fixture(scope="module")
def moto():
    endpoint = os.environ.get("MOTO_ENDPOINT")
    assert endpoint, "run this suite inside scripts/with-moto (make test-integration does)"
    return endpoint


@pytest.fixture
def iam(moto):
    return boto3.client("iam")


class Role:
    """Drives one Role through the plugin as the engine would."""

    def __init__(self, plugin, pb, name):
        self.p, self.pb, self.P = plugin, pb, pb.provider
        self.urn = urn(TOKEN, name)
        self.name = name
        self.p.stub.Configure(self.P.ConfigureRequest(
            args=struct(pb, {"region": "us-east-1"}), acceptSecrets=True), timeout=60)

    def check(self, news, olds=None):
        r = self.p.stub.Check(self.P.CheckRequest(
            urn=self.urn, name=self.name, type=TOKEN, olds=struct(self.pb, olds or {}),
            news=struct(self.pb, news), randomSeed=b"s" * 32), timeout=30)
        return to_dict(r.inputs), [(f.property, f.reason) for f in r.failures]

    def create(self, inputs, preview=False):
        r = self.p.stub.Create(self.P.CreateRequest(
            urn=self.urn, name=self.name, type=TOKEN, properties=struct(self.pb, inputs),
            preview=preview), timeout=180)
        return r.id, to_dict(r.properties)

    def diff(self, id_, olds, news, old_inputs=None):
        r = self.p.stub.Diff(self.P.DiffRequest(
            id=id_, urn=self.urn, name=self.name, type=TOKEN, olds=struct(self.pb, olds),
            news=struct(self.pb, news), old_inputs=struct(self.pb, old_inputs or {})),
            timeout=30)
        return r

    def update(self, id_, olds, news, preview=False):
        r = self.p.stub.Update(self.P.UpdateRequest(
            id=id_, urn=self.urn, name=self.name, type=TOKEN, olds=struct(self.pb, olds),
            news=struct(self.pb, news), preview=preview), timeout=180)
        return to_dict(r.properties)

    def read(self, id_, props=None, inputs=None):
        r = self.p.stub.Read(self.P.ReadRequest(
            id=id_, urn=self.urn, name=self.name, type=TOKEN,
            properties=struct(self.pb, props or {}), inputs=struct(self.pb, inputs or {})),
            timeout=60)
        return r.id, to_dict(r.properties), to_dict(r.inputs)

    def delete(self, id_, props):
        self.p.stub.Delete(self.P.DeleteRequest(
            id=id_, urn=self.urn, name=self.name, type=TOKEN,
            properties=struct(self.pb, props)), timeout=120)


def test_check_failures_name_the_property(plugin, pb, moto):
    r = Role(plugin, pb, "bad")
    _, fails = r.check({"assumeRolePolicy": TRUST, "name": "a", "namePrefix": "b",
                        "maxSessionDuration": 60, "path": "nope",
                        "inlinePolicies": [{"name": "x y", "policy": POL_A}]})
    props = {p for p, _ in fails}
    assert {"name", "maxSessionDuration", "path", "inlinePolicies[0].name"} <= props, fails
    _, fails = r.check({})
    assert ("assumeRolePolicy" in {p for p, _ in fails}), fails


def test_role_lifecycle(plugin, pb, iam):
    r = Role(plugin, pb, "life")
    arn_pol = iam.create_policy(PolicyName="role-test-managed",
                                PolicyDocument=POL_A)["Policy"]["Arn"]
    news = {"assumeRolePolicy": TRUST, "description": "first", "tags": {"env": "dev"},
            "inlinePolicies": [{"name": "inl", "policy": POL_A}],
            "managedPolicyArns": [arn_pol]}
    inputs, fails = r.check(news)
    assert fails == []
    name = inputs["name"]
    assert name.startswith("life-") and len(name) == len("life-") + 7
    assert inputs["path"] == "/" and inputs["maxSessionDuration"] == 3600
    assert inputs["tagsAll"] == {"env": "dev"}

    # Preview: computed outputs unknown, no id.
    pid, pout = r.create(inputs, preview=True)
    assert pid == "" and pout["arn"] == UNKNOWN

    id_, out = r.create(inputs)
    assert id_ == name
    assert out["arn"] == f"arn:aws:iam::123456789012:role/{name}"
    assert out["uniqueId"] and out["createDate"]
    assert out["assumeRolePolicy"] == TRUST  # the user's text, not AWS's
    assert out["inlinePolicies"] == [{"name": "inl", "policy": POL_A}]
    assert out["managedPolicyArns"] == [arn_pol]
    got = iam.get_role(RoleName=name)["Role"]
    assert got["Description"] == "first"
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == ["inl"]

    # Equivalent JSON: no diff.
    news2 = dict(news, assumeRolePolicy=TRUST_EQUIV)
    inputs2, _ = r.check(news2, olds=inputs)
    assert inputs2["name"] == name  # autoname reused
    d = r.diff(id_, out, inputs2, inputs)
    assert d.changes == pb.provider.DiffResponse.DIFF_NONE, d

    # Edit description, tags, policy, inline and managed sets.
    news3 = dict(news, description="second", tags={"env": "prod", "team": "ml"},
                 assumeRolePolicy=TRUST_EC2, maxSessionDuration=7200,
                 inlinePolicies=[{"name": "inl2", "policy": POL_B}], managedPolicyArns=[])
    inputs3, fails = r.check(news3, olds=inputs)
    assert fails == []
    d = r.diff(id_, out, inputs3, inputs)
    assert d.changes == pb.provider.DiffResponse.DIFF_SOME
    assert not d.replaces
    assert {"description", "tags.env", "tags.team", "assumeRolePolicy",
            "maxSessionDuration", "inlinePolicies", "managedPolicyArns"} <= set(d.detailedDiff)
    out3 = r.update(id_, out, inputs3)
    got = iam.get_role(RoleName=name)["Role"]
    assert got["Description"] == "second" and got["MaxSessionDuration"] == 7200
    assert got["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"] == \
        "ec2.amazonaws.com"
    assert {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=name)["Tags"]} == \
        {"env": "prod", "team": "ml"}
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == ["inl2"]
    assert iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"] == []
    assert out3["tagsAll"] == {"env": "prod", "team": "ml"}
    assert out3["managedPolicyArns"] == []

    # Refresh after an out-of-band change shows the drift; the next diff puts it right.
    iam.update_role(RoleName=name, Description="changed by hand", MaxSessionDuration=7200)
    iam.tag_role(RoleName=name, Tags=[{"Key": "extra", "Value": "1"}])
    rid, rout, rin = r.read(id_, out3, inputs3)
    assert rid == id_
    assert rout["description"] == "changed by hand"
    assert rout["tags"]["extra"] == "1"
    # The inputs the program manages follow what AWS has, so the CLI shows
    # "changed by hand" => "second" (as pulumi-aws does); the rest stay.
    assert rin["description"] == "changed by hand" and rin["tags"]["extra"] == "1"
    assert {k: v for k, v in rin.items() if k not in ("description", "tags", "maxSessionDuration")} == \
        {k: v for k, v in inputs3.items() if k not in ("description", "tags", "maxSessionDuration")}
    d = r.diff(id_, rout, inputs3, rin)
    assert {"description", "tags.extra"} <= set(d.detailedDiff), d

    # Import from the id alone: properties and inputs.
    iid, iout, iin = r.read(id_)
    assert iid == id_
    assert iin["name"] == name and "assumeRolePolicy" in iin
    assert iout["inlinePolicies"] == [{"name": "inl2", "policy": POL_B}]

    # A policy attached outside the role's managedPolicyArns is not the role's
    # to detach (RolePolicyAttachments share roles without flip-flopping)...
    iam.attach_role_policy(RoleName=name, PolicyArn=arn_pol)
    _, rout2, _ = r.read(id_, out3, inputs3)
    assert rout2["managedPolicyArns"] == []
    out4 = r.update(id_, rout2, inputs3)
    assert [a["PolicyArn"] for a in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]] \
        == [arn_pol]

    # ...except with forceDetachPolicies: delete with an instance profile and
    # policies left on the role.
    iam.create_instance_profile(InstanceProfileName="role-test-ip")
    iam.add_role_to_instance_profile(InstanceProfileName="role-test-ip", RoleName=name)
    r.delete(id_, {**out4, "forceDetachPolicies": True})
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName=name)
    r.delete(id_, out3)  # already gone: done
    gid, _, _ = r.read(id_, out3, inputs3)
    assert gid == ""
    iam.delete_instance_profile(InstanceProfileName="role-test-ip")
    iam.delete_policy(PolicyArn=arn_pol)


def test_inline_empty_list_removes_all(plugin, pb, iam):
    r = Role(plugin, pb, "inl")
    inputs, _ = r.check({"assumeRolePolicy": TRUST, "name": "role-test-inl"})
    id_, out = r.create(inputs)
    # Added out of band while unmanaged: left alone...
    iam.put_role_policy(RoleName=id_, PolicyName="oob", PolicyDocument=POL_A)
    _, rout, _ = r.read(id_, out, inputs)
    assert "inlinePolicies" not in rout
    # ...until the program says [] (the preview shows it, the update does it).
    inputs2, _ = r.check({"assumeRolePolicy": TRUST, "name": "role-test-inl",
                          "inlinePolicies": []}, olds=inputs)
    d = r.diff(id_, out, inputs2, inputs)
    assert "inlinePolicies" in d.detailedDiff
    out2 = r.update(id_, out, inputs2)
    assert iam.list_role_policies(RoleName=id_)["PolicyNames"] == []
    assert out2["inlinePolicies"] == []
    r.delete(id_, out2)


def test_create_conflict_is_a_clear_error(plugin, pb, iam):
    iam.create_role(RoleName="role-test-exists", AssumeRolePolicyDocument=TRUST)
    r = Role(plugin, pb, "dup")
    inputs, _ = r.check({"assumeRolePolicy": TRUST, "name": "role-test-exists"})
    with pytest.raises(grpc.RpcError) as e:
        r.create(inputs)
    assert e.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert "role-test-exists" in e.value.details() or "EntityAlreadyExists" in e.value.details()
    iam.delete_role(RoleName="role-test-exists")


class _FlakyIam:
    """A loopback proxy in front of moto's IAM that answers the first
    `failures` CreateRole calls as AWS does while a new principal propagates
    (MalformedPolicyDocument "Invalid principal"), then forwards everything
    unchanged (Host included, so moto's signature check still holds)."""

    def __init__(self, upstream, failures):
        import http.client
        import http.server
        import threading
        import urllib.parse

        up = urllib.parse.urlsplit(upstream)
        state = {"left": failures, "creates": 0}
        self.state = state

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if b"Action=CreateRole" in body:
                    state["creates"] += 1
                    if state["left"] > 0:
                        state["left"] -= 1
                        err = (b'<ErrorResponse><Error><Type>Sender</Type>'
                               b'<Code>MalformedPolicyDocument</Code><Message>Invalid principal '
                               b'in policy: "AWS":"arn:aws:iam::123456789012:role/new"</Message>'
                               b'</Error><RequestId>r1</RequestId></ErrorResponse>')
                        self.send_response(400)
                        self.send_header("Content-Type", "text/xml")
                        self.send_header("Content-Length", str(len(err)))
                        self.end_headers()
                        self.wfile.write(err)
                        return
                c = http.client.HTTPConnection(up.hostname, up.port, timeout=30)
                c.request("POST", self.path, body, dict(self.headers.items()))
                r = c.getresponse()
                data = r.read()
                self.send_response(r.status)
                for k, v in r.getheaders():
                    if k.lower() not in ("content-length", "transfer-encoding", "connection",
                                         "server", "date"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                c.close()

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_create_waits_for_a_new_principal(start_plugin, pb, iam, moto):
    proxy = _FlakyIam(moto, failures=2)
    try:
        env = dict(os.environ, AWS_ENDPOINT_URL_IAM=proxy.url)
        r = Role(start_plugin(env=env), pb, "wait")
        inputs, _ = r.check({"assumeRolePolicy": TRUST, "name": "role-test-wait"})
        id_, out = r.create(inputs)
        assert id_ == "role-test-wait" and out["arn"].endswith(":role/role-test-wait")
        assert proxy.state["creates"] == 3  # two refusals, then the real one
        r.delete(id_, out)
    finally:
        proxy.close()
