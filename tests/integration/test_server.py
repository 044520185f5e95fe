"""The plugin server over real gRPC: boot contract, every RPC, errors,
concurrency, cancellation and shutdown."""
import concurrent.futures
import importlib.metadata
import json
import os
import signal
import time

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2

from conftest import BIN, SECRET_SIG, SIG_KEY, UNKNOWN, secret, struct, to_dict, urn

ECHO = "awsml:test/echo:Echo"
PROBE = "awsml:test/probe:Probe"
EXPECTED_VERSION = os.environ.get("AWSML_EXPECT_VERSION", "0.1.0")
# The Makefile's DROPIN_VERSION; by default the pulumi_aws SDK of the test venv (the
# release awsml mirrors) with EXPECTED_VERSION as build metadata.
EXPECTED_DROPIN_VERSION = os.environ.get("AWSML_EXPECT_DROPIN_VERSION") or \
    f"{importlib.metadata.version('pulumi_aws')}+awsml.{EXPECTED_VERSION}"


def check(plugin, pb, type_, name, news, olds=None):
    P = pb.provider
    return plugin.stub.Check(P.CheckRequest(urn=urn(type_, name), type=type_, name=name,
                                            olds=struct(pb, olds or {}), news=struct(pb, news),
                                            randomSeed=b"\x01" * 32), timeout=10)


def create(plugin, pb, type_, name, props, preview=False, timeout=10):
    P = pb.provider
    return plugin.stub.Create(P.CreateRequest(urn=urn(type_, name), type=type_, name=name,
                                              properties=struct(pb, props), preview=preview),
                              timeout=timeout)


# ---- boot ------------------------------------------------------------------------

def test_boot_prints_only_the_port_and_tolerates_flags(start_plugin):
    p = start_plugin("--logtostderr", "-v=9", "--tracing", "http://127.0.0.1:1",
                     "--some-future-flag=1", "127.0.0.1:1")
    info = p.stub.GetPluginInfo(empty_pb2.Empty(), timeout=10)
    assert info.version == EXPECTED_VERSION
    assert p.stop() == 0
    assert p.rest_of_stdout() == b"", "nothing may follow the port line on stdout"


def test_without_engine_address_waits_for_attach(start_plugin, pb):
    p = start_plugin()
    p.stub.Attach(pb.plugin.PluginAttach(address="127.0.0.1:1"), timeout=10)
    with pytest.raises(grpc.RpcError) as e:
        p.stub.Attach(pb.plugin.PluginAttach(address=""), timeout=10)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert p.stub.GetPluginInfo(empty_pb2.Empty(), timeout=10).version == EXPECTED_VERSION


def test_plugin_info_as_pulumi_resource_aws_is_the_mirrored_pulumi_aws_version(start_plugin,
                                                                                tmp_path):
    """Started as pulumi-resource-aws (drop-in mode), GetPluginInfo reports the pulumi-aws
    version whose schema awsml mirrors, with awsml's own as semver build metadata, so the
    engine's `>=` check against what pulumi_aws asks for holds; under any other name it
    is awsml's version."""
    dropin = tmp_path / "pulumi-resource-aws"
    dropin.symlink_to(BIN)
    p = start_plugin("127.0.0.1:1", exe=dropin)
    version = p.stub.GetPluginInfo(empty_pb2.Empty(), timeout=10).version
    assert version == EXPECTED_DROPIN_VERSION
    assert version.split("+", 1)[1] == f"awsml.{EXPECTED_VERSION}"
    other = tmp_path / "pulumi-resource-aws-not"
    other.symlink_to(BIN)
    for exe in (BIN, other):
        q = start_plugin("127.0.0.1:1", exe=exe)
        assert q.stub.GetPluginInfo(empty_pb2.Empty(), timeout=10).version == EXPECTED_VERSION


def test_dropin_version_is_the_pulumi_aws_sdk_the_tests_pin():
    """The Makefile's AWS_MIRROR_VERSION and the pulumi_aws pin of
    scripts/requirements-test.in name the same release: the drop-in claims to be the
    pulumi-aws whose programs the e2e suite runs."""
    mirrored = EXPECTED_DROPIN_VERSION.split("+", 1)[0]
    assert mirrored == importlib.metadata.version("pulumi_aws"), \
        "AWS_MIRROR_VERSION (Makefile) and pulumi-aws (scripts/requirements-test.in) differ"


# ---- plugin-level RPCs -----------------------------------------------------------

def test_handshake(plugin, pb):
    r = plugin.stub.Handshake(pb.provider.ProviderHandshakeRequest(
        engine_address="127.0.0.1:1", root_directory="/tmp", program_directory="/tmp"), timeout=10)
    assert r.accept_secrets and r.accept_resources
    assert not r.accept_outputs


def test_get_schema_is_the_embedded_schema(plugin, pb):
    r = plugin.stub.GetSchema(pb.provider.GetSchemaRequest(version=0), timeout=10)
    schema = json.loads(r.schema)
    # build/schema.json: schema/package.json plus the resource tables (gen-schema)
    with open(os.path.join(os.environ.get("AWSML_BUILD", "build"), "schema.json")) as f:
        assert schema == json.load(f)
    assert schema["name"] == "awsml"


def test_configure_and_config_checks(plugin, pb):
    P = pb.provider
    news = {"region": "us-west-2", "skipCredentialsValidation": "true"}
    r = plugin.stub.CheckConfig(P.CheckRequest(urn="urn:pulumi:dev::p::pulumi:providers:awsml::default",
                                               olds=struct(pb, {}), news=struct(pb, news)), timeout=10)
    assert to_dict(r.inputs) == news and not r.failures
    d = plugin.stub.DiffConfig(P.DiffRequest(olds=struct(pb, news), news=struct(pb, {**news, "region": "eu-west-1"}),
                                             old_inputs=struct(pb, news)), timeout=10)
    assert d.changes == P.DiffResponse.DIFF_SOME and list(d.diffs) == ["region"]
    assert not d.replaces
    c = plugin.stub.Configure(P.ConfigureRequest(args=struct(pb, {"region": secret("us-east-1")}),
                                                 acceptSecrets=True, acceptResources=True), timeout=10)
    assert c.acceptSecrets and c.supportsPreview and c.acceptResources


# ---- resource RPCs -----------------------------------------------------------------

def test_check_keeps_secrets_and_unknowns(plugin, pb):
    r = check(plugin, pb, ECHO, "e1", {"value": "x", "password": secret("hunter2"), "later": UNKNOWN})
    got = to_dict(r.inputs)
    assert got["password"] == {SIG_KEY: SECRET_SIG, "value": "hunter2"}
    assert got["later"] == UNKNOWN and got["value"] == "x"


@pytest.mark.parametrize("token", ["awsml:test/echo:Echo", "aws:test/echo:Echo"])
def test_both_package_tokens_dispatch_to_one_type(plugin, pb, token):
    r = create(plugin, pb, token, "e2", {"value": "v"})
    assert r.id == "echo-e2"


def test_unknown_type_names_the_token(plugin, pb):
    with pytest.raises(grpc.RpcError) as e:
        check(plugin, pb, "aws:ec2/instance:Instance", "b", {})
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "aws:ec2/instance:Instance" in e.value.details()
    with pytest.raises(grpc.RpcError) as e:
        check(plugin, pb, "gcp:test/echo:Echo", "b", {})
    assert "gcp:test/echo:Echo" in e.value.details()


def test_type_is_taken_from_the_urn_when_absent(plugin, pb):
    P = pb.provider
    r = plugin.stub.Create(P.CreateRequest(urn=urn(f"my:comp:C${ECHO}", "nested"),
                                           properties=struct(pb, {"value": 1})), timeout=10)
    assert r.id == "echo-nested"


def test_create_outputs_and_secret_outputs(plugin, pb):
    r = create(plugin, pb, ECHO, "e3", {"value": "v", "password": secret("s3cr3t")})
    out = to_dict(r.properties)
    assert r.id == "echo-e3"
    assert out["createdBy"] == "awsml"
    assert out["password"] == {SIG_KEY: SECRET_SIG, "value": "s3cr3t"}


def test_create_preview_returns_unknown_outputs(plugin, pb):
    r = create(plugin, pb, ECHO, "e4", {"value": "v"}, preview=True)
    assert r.id == ""
    assert to_dict(r.properties)["createdBy"] == UNKNOWN


def test_diff_kinds(plugin, pb):
    P = pb.provider
    old = {"value": "a", "replaceKey": "k", "createdBy": "awsml"}
    oldin = {"value": "a", "replaceKey": "k"}

    def diff(news):
        return plugin.stub.Diff(P.DiffRequest(id="echo-e", urn=urn(ECHO, "e"), type=ECHO,
                                              olds=struct(pb, old), news=struct(pb, news),
                                              old_inputs=struct(pb, oldin)), timeout=10)

    same = diff(oldin)
    assert same.changes == P.DiffResponse.DIFF_NONE and not same.diffs
    upd = diff({"value": "b", "replaceKey": "k"})
    assert upd.changes == P.DiffResponse.DIFF_SOME and list(upd.diffs) == ["value"]
    assert upd.hasDetailedDiff and upd.detailedDiff["value"].kind == P.PropertyDiff.UPDATE
    assert not upd.replaces
    rep = diff({"value": "a", "replaceKey": "other"})
    assert list(rep.replaces) == ["replaceKey"]
    assert rep.detailedDiff["replaceKey"].kind == P.PropertyDiff.UPDATE_REPLACE
    add = diff({**oldin, "extra": True})
    assert add.detailedDiff["extra"].kind == P.PropertyDiff.ADD
    dele = diff({"replaceKey": "k"})
    assert dele.detailedDiff["value"].kind == P.PropertyDiff.DELETE
    unk = diff({"value": UNKNOWN, "replaceKey": "k"})
    assert list(unk.diffs) == ["value"]
    # A secret with the same value is no change.
    sec = diff({"value": secret("a"), "replaceKey": "k"})
    assert sec.changes == P.DiffResponse.DIFF_NONE


def test_read_update_delete(plugin, pb):
    P = pb.provider
    props = {"value": "a", "createdBy": "awsml"}
    r = plugin.stub.Read(P.ReadRequest(id="echo-e5", urn=urn(ECHO, "e5"), type=ECHO,
                                       properties=struct(pb, props),
                                       inputs=struct(pb, {"value": "a"})), timeout=10)
    assert r.id == "echo-e5" and to_dict(r.properties) == props
    assert to_dict(r.inputs) == {"value": "a"}
    u = plugin.stub.Update(P.UpdateRequest(id="echo-e5", urn=urn(ECHO, "e5"), type=ECHO,
                                           olds=struct(pb, props), news=struct(pb, {"value": secret("b")})),
                           timeout=10)
    assert to_dict(u.properties)["value"] == {SIG_KEY: SECRET_SIG, "value": "b"}
    plugin.stub.Delete(P.DeleteRequest(id="echo-e5", urn=urn(ECHO, "e5"), type=ECHO,
                                       properties=struct(pb, props)), timeout=10)


def test_resource_that_exists_but_failed_is_reported_with_its_id(plugin, pb):
    with pytest.raises(grpc.RpcError) as e:
        create(plugin, pb, PROBE, "half", {"mode": "initFail"})
    err = e.value
    assert "failed to finish" in err.details()
    trailers = dict(err.trailing_metadata())
    raw = trailers["grpc-status-details-bin"]
    st = pb.status.Status.FromString(raw)
    assert st.code == err.code().value[0]
    assert len(st.details) == 1
    assert st.details[0].type_url == "type.googleapis.com/pulumirpc.ErrorResourceInitFailed"
    det = pb.errors.ErrorResourceInitFailed.FromString(st.details[0].value)
    assert det.id == "probe-partial"
    assert to_dict(det.properties)["mode"] == "initFail"
    assert "failed to finish" in det.reasons[0]


def test_messages_over_4_mib_are_accepted(plugin, pb):
    big = "x" * (6 << 20)
    r = check(plugin, pb, ECHO, "big", {"blob": big})
    assert len(r.inputs["blob"]) == len(big)


def _varint(n):
    out = b""
    while True:
        b, n = n & 0x7F, n >> 7
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


def _ld(field, payload):
    """A length-delimited protobuf field, encoded by hand."""
    return _varint(field << 3 | 2) + _varint(len(payload)) + payload


def _nested_check_request(depth):
    # Python's protobuf refuses to build such a message, so encode it by hand:
    # Value{struct_value=5: Struct{fields=1: entry{key=1, value=2}}}.
    val = _ld(3, b"leaf")
    for _ in range(depth):
        val = _ld(5, _ld(1, _ld(1, b"n") + _ld(2, val)))
    news = _ld(1, _ld(1, b"top") + _ld(2, val))
    return _ld(1, urn(ECHO, "deep").encode()) + _ld(3, news) + _ld(7, ECHO.encode())


@pytest.mark.parametrize("depth", [127, 129, 200, 20000])
def test_deep_nesting_is_refused_and_the_server_survives(plugin, depth):
    if depth < 128:
        assert plugin.raw("Check", _nested_check_request(depth))
    else:
        with pytest.raises(grpc.RpcError) as e:
            plugin.raw("Check", _nested_check_request(depth))
        assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "128" in e.value.details()
        if depth == 129:  # within what the decoder reads: the path is named
            assert "property 'top.n.n.n" in e.value.details()
    assert plugin.stub.GetPluginInfo(empty_pb2.Empty(), timeout=10).version


def test_invalid_utf8_is_refused_with_the_property_path(plugin, pb):
    P = pb.provider
    req = P.CheckRequest(urn=urn(ECHO, "u"), type=ECHO, news=struct(pb, {"name": "ABCD"}))
    raw = req.SerializeToString().replace(b"ABCD", b"\xff\xfeAB")
    with pytest.raises(grpc.RpcError) as e:
        plugin.raw("Check", raw)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "'name'" in e.value.details() and "UTF-8" in e.value.details()
    assert plugin.stub.GetPluginInfo(empty_pb2.Empty(), timeout=10).version


# ---- protocol errors ------------------------------------------------------------------

ALL_METHODS = ["Handshake", "Parameterize", "GetSchema", "CheckConfig", "DiffConfig", "Configure",
               "Invoke", "Call", "Check", "Diff", "Create", "Read", "List", "Update", "Delete",
               "Construct", "Cancel", "GetPluginInfo", "Attach", "GetMapping", "GetMappings"]


@pytest.mark.parametrize("method", ALL_METHODS)
def test_malformed_request_bytes_get_invalid_argument(plugin, method):
    # 0xff... is an invalid field tag followed by a truncated varint.
    with pytest.raises(grpc.RpcError) as e:
        plugin.raw(method, b"\xff\xff\xff\xff\xff")
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT, e.value.details()
    assert "malformed" in e.value.details()
    assert plugin.stub.GetPluginInfo(empty_pb2.Empty(), timeout=10).version == EXPECTED_VERSION


@pytest.mark.parametrize("method", ["Parameterize", "Call", "List", "Construct",
                                    "GetMapping", "GetMappings"])
def test_unimplemented_methods_say_so(plugin, method):
    with pytest.raises(grpc.RpcError) as e:
        plugin.raw(method, b"")
    assert e.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert method in e.value.details()


def test_unknown_service_is_unimplemented(plugin):
    call = plugin.channel.unary_unary("/pulumirpc.LanguageRuntime/Run")
    with pytest.raises(grpc.RpcError) as e:
        call(b"", timeout=10)
    assert e.value.code() == grpc.StatusCode.UNIMPLEMENTED


# ---- concurrency and cancellation -------------------------------------------------------

def test_64_blocked_calls_are_in_flight_together(plugin, pb):
    n = 64
    with concurrent.futures.ThreadPoolExecutor(max_workers=n) as ex:
        futs = [ex.submit(create, plugin, pb, PROBE, f"b{i}",
                          {"mode": "barrier", "n": n, "timeoutMs": 30000}, False, 60)
                for i in range(n)]
        results = [f.result() for f in futs]
    peaks = [to_dict(r.properties)["peak"] for r in results]
    assert all(p == n for p in peaks), peaks


def _cancels_observed(plugin, pb):
    r = create(plugin, pb, PROBE, "stats", {"mode": "stats"})
    return to_dict(r.properties)["cancelsObserved"]


def test_client_cancellation_reaches_the_handler(start_plugin, pb):
    plugin = start_plugin("-v=2")
    before = _cancels_observed(plugin, pb)
    fut = _blocked_call(plugin, pb, "w")
    # Let the call reach its handler before cancelling it.
    deadline = time.monotonic() + 10
    while plugin.stderr.count("rpc Create") < 2:
        assert time.monotonic() < deadline, "the blocked call never reached the server"
        time.sleep(0.01)
    fut.cancel()
    deadline = time.monotonic() + 10
    while _cancels_observed(plugin, pb) == before:
        assert time.monotonic() < deadline, "the handler never saw the cancellation"
        time.sleep(0.05)


def _blocked_call(plugin, pb, name):
    P = pb.provider
    return plugin.stub.Create.future(P.CreateRequest(
        urn=urn(PROBE, name), type=PROBE,
        properties=struct(pb, {"mode": "waitCancel", "timeoutMs": 20000})), timeout=30)


def test_cancel_rpc_aborts_in_flight_calls_and_exits_cleanly(start_plugin, pb):
    p = start_plugin("-v=2")
    fut = _blocked_call(p, pb, "c1")
    deadline = time.monotonic() + 10
    while "rpc Create" not in p.stderr:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    p.stub.Cancel(empty_pb2.Empty(), timeout=10)
    with pytest.raises(grpc.RpcError) as e:
        fut.result(timeout=20)
    assert e.value.code() == grpc.StatusCode.CANCELLED
    assert p.proc.wait(30) == 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signals_abort_in_flight_calls_and_exit_cleanly(start_plugin, pb, sig):
    p = start_plugin("-v=2")
    fut = _blocked_call(p, pb, "s1")
    deadline = time.monotonic() + 10
    while "rpc Create" not in p.stderr:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    rc = p.stop(sig)
    assert rc == 0, p.stderr
    with pytest.raises(grpc.RpcError) as e:
        fut.result(timeout=20)
    assert e.value.code() in (grpc.StatusCode.CANCELLED, grpc.StatusCode.UNAVAILABLE)



@pytest.mark.parametrize("exe", ["pulumi-resource-awsml", "pulumi-analyzer-awsml"])
def test_stdin_closed_during_boot_still_shuts_down(tmp_path, exe):
    """The engine holds the plugin's stdin pipe open while it runs; EOF there means it is
    gone. When that EOF comes before the server has started (the engine died at once), the
    shutdown it asks for must not be lost: the process exits by itself, and a signal after
    it still ends it (it used to ignore both and linger forever)."""
    import subprocess
    link = tmp_path / exe
    link.symlink_to(BIN)
    for send_signal in (False, True):
        r, w = os.pipe()
        os.close(w)  # EOF from the start
        proc = subprocess.Popen([str(link), "127.0.0.1:1"], stdin=r, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        os.close(r)
        try:
            line = proc.stdout.readline().strip()
            if exe == "pulumi-analyzer-awsml" and not line:
                # The pack has nothing to finish: it may exit before the port line.
                assert proc.wait(timeout=20) == 0
                continue
            assert line.isdigit(), line
            if send_signal:
                os.killpg(proc.pid, signal.SIGINT)
            assert proc.wait(timeout=20) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()
