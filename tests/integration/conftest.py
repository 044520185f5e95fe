"""Fixtures for driving the real plugin binary over gRPC.

Python stubs are generated at test time from the project's own proto/ files
(grpc_tools.protoc), into a private package `awsmlpb` so they never clash with
the `pulumi` SDK's modules. The binary comes from AWSML_BIN (the test build,
which also serves the test-only resources of tests/support)."""
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

import grpc
import pytest

ROOT = pathlib.Path(os.environ.get("AWSML_ROOT", pathlib.Path(__file__).resolve().parents[2]))
BIN = pathlib.Path(os.environ.get("AWSML_BIN", ROOT / "build" / "test" / "pulumi-resource-awsml"))
SANITIZED = os.environ.get("AWSML_SANITIZED") == "1"
# make test-valgrind: the binary runs under valgrind memcheck, slower still than ASan.
VALGRIND = os.environ.get("AWSML_VALGRIND") == "1"
BOOT_TIMEOUT = 60 if VALGRIND else 30 if SANITIZED else 10


def _generate_stubs(out: pathlib.Path) -> None:
    from grpc_tools import protoc
    import grpc_tools

    src = out / "src" / "awsmlpb"
    src.mkdir(parents=True)
    files = {
        "provider.proto": ROOT / "proto/pulumi/provider.proto",
        "plugin.proto": ROOT / "proto/pulumi/plugin.proto",
        "engine.proto": ROOT / "proto/pulumi/engine.proto",
        "errors.proto": ROOT / "proto/pulumi/errors.proto",
        "status.proto": ROOT / "proto/google/rpc/status.proto",
        "analyzer.proto": ROOT / "proto/pulumi/analyzer.proto",
    }
    for name, path in files.items():
        text = path.read_text()
        text = re.sub(r'import "pulumi/(\w+\.proto)"', r'import "awsmlpb/\1"', text)
        (src / name).write_text(text)
    include = pathlib.Path(grpc_tools.__file__).parent / "_proto"
    args = ["protoc", f"-I{out / 'src'}", f"-I{include}", f"--python_out={out}",
            f"--grpc_python_out={out}"] + [f"awsmlpb/{n}" for n in files]
    if protoc.main(args) != 0:
        raise RuntimeError("grpc_tools.protoc failed on proto/")
    (out / "awsmlpb" / "__init__.py").write_text("")


@pytest.fixture(scope="session")
def pb(tmp_path_factory):
    out = tmp_path_factory.mktemp("stubs")
    _generate_stubs(out)
    sys.path.insert(0, str(out))
    from awsmlpb import (provider_pb2, provider_pb2_grpc, plugin_pb2, engine_pb2,
                         engine_pb2_grpc, errors_pb2, status_pb2)

    class PB:
        pass

    ns = PB()
    ns.provider, ns.provider_grpc = provider_pb2, provider_pb2_grpc
    ns.plugin, ns.engine, ns.engine_grpc = plugin_pb2, engine_pb2, engine_pb2_grpc
    ns.errors, ns.status = errors_pb2, status_pb2
    from awsmlpb import analyzer_pb2, analyzer_pb2_grpc
    ns.analyzer, ns.analyzer_grpc = analyzer_pb2, analyzer_pb2_grpc
    return ns


class Plugin:
    """One running provider process."""

    def __init__(self, pb, args, env=None, exe=None):
        self.pb = pb
        if env is not None:
            # A test's own environment still carries what a wrapper around the binary
            # needs (AWSML_BIN may be scripts/valgrind-exec.sh's, which wants AWSML_VG_LOGS).
            env = {**{k: v for k, v in os.environ.items() if k.startswith("AWSML_VG_")}, **env}
        self.proc = subprocess.Popen([str(exe or BIN)] + list(args), stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                     env=env)
        self.stderr_chunks = []
        self._stderr_thread = threading.Thread(target=self._drain_stderr, daemon=True)
        self._stderr_thread.start()
        self.port_line = self._read_port_line()
        self.port = int(self.port_line)
        self.channel = grpc.insecure_channel(
            f"127.0.0.1:{self.port}",
            options=[("grpc.max_send_message_length", 400 << 20),
                     ("grpc.max_receive_message_length", 400 << 20)])
        self.stub = pb.provider_grpc.ResourceProviderStub(self.channel)

    def _drain_stderr(self):
        for chunk in iter(lambda: self.proc.stderr.read1(4096), b""):
            self.stderr_chunks.append(chunk)

    def _read_port_line(self):
        box = {}

        def reader():
            box["line"] = self.proc.stdout.readline()

        t = threading.Thread(target=reader, daemon=True)
        t.start()
        t.join(BOOT_TIMEOUT)
        if "line" not in box:
            self.proc.kill()
            raise AssertionError("the plugin printed no port line within the boot timeout")
        line = box["line"]
        assert re.fullmatch(rb"[0-9]+\n", line), f"first stdout line is not a port: {line!r}"
        return line.decode().strip()

    @property
    def stderr(self):
        return b"".join(self.stderr_chunks).decode(errors="replace")

    def raw(self, method, payload, timeout=10):
        """Calls a method with raw request bytes; returns raw response bytes."""
        call = self.channel.unary_unary(f"/pulumirpc.ResourceProvider/{method}",
                                        request_serializer=None, response_deserializer=None)
        return call(payload, timeout=timeout)

    def rest_of_stdout(self):
        return self.proc.stdout.read()

    def stop(self, sig=signal.SIGTERM, timeout=None):
        timeout = timeout or (120 if VALGRIND else 60 if SANITIZED else 15)
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"the plugin did not exit within {timeout}s of signal {sig}")
        self.channel.close()
        self._stderr_thread.join(5)
        return rc


@pytest.fixture
def start_plugin(pb):
    started = []

    def start(*args, env=None, exe=None):
        """exe: another path to start (e.g. a link named pulumi-resource-aws); BIN by default."""
        p = Plugin(pb, args, env=env, exe=exe)
        started.append(p)
        return p

    yield start
    for p in started:
        if p.proc.poll() is None:
            rc = p.stop()
            assert rc == 0, f"plugin exited with {rc} at teardown; stderr:\n{p.stderr}"


@pytest.fixture
def plugin(start_plugin):
    return start_plugin()


def struct(pb, d):
    from google.protobuf import struct_pb2
    s = struct_pb2.Struct()
    s.update(d)
    return s


def to_dict(s):
    from google.protobuf.json_format import MessageToDict
    return MessageToDict(s)


SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
SIG_KEY = "4dabf18193072939515e22adb298388d"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def secret(v):
    return {SIG_KEY: SECRET_SIG, "value": v}


def urn(type_, name):
    return f"urn:pulumi:dev::proj::{type_}::{name}"
