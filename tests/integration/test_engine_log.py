"""Messages reach the engine's Log service, and the process is leak-free.

The engine here is a grpcio server implementing only pulumirpc.Engine/Log,
generated from the project's proto/: the test checks what the plugin sends
to it. (The e2e suite shows the same messages through the real CLI.)"""
import concurrent.futures
import os
import shutil
import subprocess

import grpc
import pytest
from google.protobuf import empty_pb2

from conftest import BIN, SANITIZED, struct, urn

PROBE = "awsml:test/probe:Probe"


@pytest.fixture
def engine(pb):
    received = []

    class Engine(pb.engine_grpc.EngineServicer):
        def Log(self, request, context):
            received.append(request)
            return empty_pb2.Empty()

    server = grpc.server(concurrent.futures.ThreadPoolExecutor(max_workers=4))
    pb.engine_grpc.add_EngineServicer_to_server(Engine(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"127.0.0.1:{port}", received
    server.stop(None)


def test_log_messages_reach_the_engine_with_severity_urn_and_status_lines(start_plugin, pb, engine):
    address, received = engine
    p = start_plugin(address)
    u = urn(PROBE, "talker")
    p.stub.Create(pb.provider.CreateRequest(urn=u, type=PROBE, properties=struct(pb, {"mode": "log"})),
                  timeout=10)
    by_text = {r.message: r for r in received}
    hello = by_text["probe says hello"]
    assert hello.severity == pb.engine.INFO and hello.urn == u and not hello.ephemeral
    status = by_text["probe status line"]
    assert status.ephemeral and status.urn == u


def test_handshake_address_takes_effect(start_plugin, pb, engine):
    address, received = engine
    p = start_plugin()  # attach-style start: no address on the command line
    p.stub.Handshake(pb.provider.ProviderHandshakeRequest(engine_address=address), timeout=10)
    p.stub.Create(pb.provider.CreateRequest(urn=urn(PROBE, "t"), type=PROBE,
                                            properties=struct(pb, {"mode": "log"})), timeout=10)
    assert any(r.message == "probe says hello" for r in received)


# valgrind and AddressSanitizer cannot run together: `make test-sanitize`
# deselects this test (its LeakSanitizer checks leaks at every exit instead).
def test_valgrind_finds_no_leaks_or_errors(pb, tmp_path, engine):
    """Boot, serve every kind of call, shut down: valgrind reports nothing."""
    from conftest import Plugin
    address, _ = engine
    assert shutil.which("valgrind"), "valgrind is installed by make deps"
    log = tmp_path / "valgrind.log"
    wrapper = tmp_path / "pulumi-resource-awsml"
    wrapper.write_text(
        "#!/bin/sh\nexec valgrind --quiet --error-exitcode=97 --leak-check=full "
        "--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect "
        f"--log-file={log} {BIN} \"$@\"\n")
    wrapper.chmod(0o755)
    import conftest
    old = conftest.BIN
    conftest.BIN = wrapper
    try:
        p = Plugin(pb, [address])
    finally:
        conftest.BIN = old
    P = pb.provider
    p.stub.GetPluginInfo(empty_pb2.Empty(), timeout=60)
    p.stub.Configure(P.ConfigureRequest(args=struct(pb, {"region": "us-east-1"})), timeout=60)
    props = struct(pb, {"value": "v", "nested": {"a": [1, 2, {"b": None}]}})
    e = "awsml:test/echo:Echo"
    p.stub.Check(P.CheckRequest(urn=urn(e, "v"), type=e, news=props), timeout=60)
    p.stub.Create(P.CreateRequest(urn=urn(e, "v"), type=e, properties=props), timeout=60)
    p.stub.Diff(P.DiffRequest(urn=urn(e, "v"), type=e, olds=props, news=props), timeout=60)
    p.stub.Create(P.CreateRequest(urn=urn(PROBE, "l"), type=PROBE,
                                  properties=struct(pb, {"mode": "log"})), timeout=60)
    with pytest.raises(grpc.RpcError):
        p.stub.Create(P.CreateRequest(urn=urn(PROBE, "f"), type=PROBE,
                                      properties=struct(pb, {"mode": "initFail"})), timeout=60)
    with pytest.raises(grpc.RpcError):
        p.raw("Check", b"\xff\xff\xff", timeout=60)
    rc = p.stop(timeout=120)
    assert rc == 0, log.read_text()
