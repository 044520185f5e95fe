#!/usr/bin/env python3
"""awsml benchmarks: figures side by side in one run, written to
bench/results.md and bench/results.json. Never assertions.

1. Start and memory: exec -> port line and idle RSS of the release binary and
   the dev build beside the empty gRPC C-core server (bench/empty_server.c)
   linked the same two ways, and a trivial C program.
2. RPCs over gRPC with ghz (a real load tool, AWSML_GHZ): Check, Diff and
   Create(preview) at concurrency 1, 16 and 64 against the empty server (the
   floor: same gRPC core, same linking, no work) and against awsml (release
   binary with aws:iam/role:Role, dev/test build with the Echo test type), with
   the server's own CPU time per call from /proc; then the test build's peak
   RSS with 64 operations held in flight at once.
3. Pulumi against moto: the seed program (examples/seed) and stacks of
   10/100/400 resources through preview, up, a no-change preview and destroy:
   wall time, and the provider's CPU time and peak RSS (getrusage of the
   plugin run under tests/support/rusage_wrap.py).

Run with `make bench`: it builds what is measured and runs this inside
scripts/with-moto. Knobs: BENCH_RUNS (start/idle repetitions, default 30),
BENCH_GHZ_SECONDS (about how long each ghz row runs, default 2) or
BENCH_GHZ_CALLS (a fixed count of calls per row instead), BENCH_STACK_SIZES
(default "10 100 400"), BENCH_STACK_RUNS (runs of each stack, median; default 1)."""
import json
import os
import pathlib
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

ROOT = pathlib.Path(os.environ.get("AWSML_ROOT", pathlib.Path(__file__).resolve().parents[1]))
BUILD = pathlib.Path(os.environ.get("AWSML_BUILD", ROOT / "build"))
RUNS = int(os.environ.get("BENCH_RUNS", "30"))
GHZ = os.environ.get("AWSML_GHZ", "")
GHZ_CALLS = int(os.environ.get("BENCH_GHZ_CALLS", "0"))  # 0: as many as fill BENCH_GHZ_SECONDS
GHZ_SECONDS = float(os.environ.get("BENCH_GHZ_SECONDS", "2"))
STACK_SIZES = [int(s) for s in os.environ.get("BENCH_STACK_SIZES", "10 100 400").split()]
STACK_RUNS = int(os.environ.get("BENCH_STACK_RUNS", "1"))
CONCURRENCY = (1, 16, 64)
CLK_TCK = os.sysconf("SC_CLK_TCK")
sys.path.insert(0, str(ROOT / "tests" / "integration"))
sys.path.insert(0, str(ROOT / "tests" / "support"))
import rusage_wrap  # noqa: E402  (tests/support: the plugin's rusage under the engine)


def mib(kib):
    return round(kib / 1024, 1)


def first_line_ms(argv):
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         stdin=subprocess.DEVNULL)
    line = p.stdout.readline()
    ms = (time.perf_counter() - t0) * 1000
    return p, ms, line


def status_kib(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def cpu_s(pid):
    """utime + stime of a live process, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def stop(p):
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def start_and_memory(path, stays_up=True):
    times, rss = [], []
    for _ in range(RUNS):
        p, ms, _ = first_line_ms([str(path)])
        times.append(ms)
        if stays_up:
            time.sleep(0.2)  # settle into idle before reading memory
            rss.append(status_kib(p.pid, "VmRSS") / 1024)
            stop(p)
        else:
            p.wait()
    return {"start_ms_median": round(statistics.median(times), 2),
            "start_ms_p90": round(sorted(times)[max(0, int(len(times) * 0.9) - 1)], 2),
            "idle_rss_mib": round(statistics.median(rss), 1) if rss else None,
            "size_mib": round(path.stat().st_size / 2**20, 1)}


# ---- RPCs with ghz -----------------------------------------------------------------
TRUST = textwrap.dedent("""\
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "sagemaker.amazonaws.com"},
                "Action": "sts:AssumeRole"
            }
        ]
    }""")
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
ROLE_T = "aws:iam/role:Role"
ECHO_T = "awsml:test/echo:Echo"


# On two or more cores the server under test runs on CPU 1 and ghz on CPU 0
# (GOMAXPROCS 1), so neither steals the other's core and runs repeat.
PIN = bool(os.cpu_count() and os.cpu_count() >= 2 and shutil.which("taskset"))
SERVER_CPU = ["taskset", "-c", "1"] if PIN else []
CLIENT_CPU = ["taskset", "-c", "0"] if PIN else []


class Server:
    """A server under test: started (pinned), its port read, stopped."""

    def __init__(self, path):
        self.proc, _, line = first_line_ms(SERVER_CPU + [str(path)])
        self.port = int(line)
        self.pid = self.proc.pid

    def stop(self):
        stop(self.proc)


def ghz(port, method, data, conc, calls, skip=0):
    argv = CLIENT_CPU + [
            GHZ, "--cpus", "1" if PIN else str(os.cpu_count() or 1),
            "--insecure", "--proto", str(ROOT / "proto" / "pulumi" / "provider.proto"),
            "--import-paths", f"{ROOT / 'proto'},/usr/include",
            "--call", f"pulumirpc.ResourceProvider.{method}", "-d", json.dumps(data),
            "-c", str(conc), "-n", str(calls), "--skipFirst", str(skip), "--connections", "1",
            "--timeout", "60s", "--format", "json", f"127.0.0.1:{port}"]
    out = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def ghz_figures(port, pid, method, data, conc, calls):
    skip = min(conc * 4, calls // 10)
    c0 = cpu_s(pid)
    r = ghz(port, method, data, conc, calls, skip)
    c1 = cpu_s(pid)
    pct = {d["percentage"]: d["latency"] / 1000 for d in r.get("latencyDistribution") or []}
    ok = r["statusCodeDistribution"].get("OK", 0)
    return {"calls": r["count"], "ok": ok, "errors": r["count"] - ok,
            "mean_us": round(r["average"] / 1000, 1), "p50_us": round(pct.get(50, 0), 1),
            "p99_us": round(pct.get(99, 0), 1), "calls_per_s": round(r["rps"]),
            "server_cpu_us_per_call": round((c1 - c0) * 1e6 / calls, 1)}


def grpc_stubs():
    from conftest import _generate_stubs  # the integration suite's stub generator
    out = pathlib.Path(tempfile.mkdtemp())
    _generate_stubs(out)
    sys.path.insert(0, str(out))
    from awsmlpb import provider_pb2, provider_pb2_grpc
    return provider_pb2, provider_pb2_grpc, out


def requests_for(P, G, port, type_token, raw_inputs, outputs_fill):
    """Configure awsml as the engine would, then build the Check, Diff and
    Create(preview) requests from its own answers (Check's checked inputs, the
    preview's outputs with their unknowns filled in), checking that each takes
    the full path: Check without failures, Diff answering no changes. Returns
    {method: request as JSON for ghz}."""
    import grpc
    from google.protobuf import json_format, struct_pb2

    def struct(d):
        s = struct_pb2.Struct()
        s.update(d)
        return s

    ch = grpc.insecure_channel(f"127.0.0.1:{port}")
    stub = G.ResourceProviderStub(ch)
    try:
        stub.Configure(P.ConfigureRequest(args=struct({
            "region": "us-east-1", "skipCredentialsValidation": True,
            "skipRequestingAccountId": True, "skipMetadataApiCheck": True}),
            acceptSecrets=True, acceptResources=True), timeout=30)
        urn = f"urn:pulumi:bench::bench::{type_token}::r"
        check = P.CheckRequest(urn=urn, type=type_token, name="r", news=struct(raw_inputs),
                               randomSeed=b"\x01" * 32)
        cr = stub.Check(check, timeout=30)
        assert not cr.failures, cr.failures
        inputs = json_format.MessageToDict(cr.inputs)
        create = P.CreateRequest(urn=urn, type=type_token, name="r", properties=cr.inputs,
                                 preview=True)
        pr = stub.Create(create, timeout=30)
        outs = json_format.MessageToDict(pr.properties)
        for k, v in list(outs.items()):
            if v == UNKNOWN:
                outs[k] = outputs_fill(k, inputs)
        rid = pr.id or inputs.get("name", "r")
        diff = P.DiffRequest(id=rid, urn=urn, type=type_token, name="r", olds=struct(outs),
                             news=cr.inputs, old_inputs=cr.inputs)
        dr = stub.Diff(diff, timeout=30)
        assert dr.changes == P.DiffResponse.DIFF_NONE, dr
    finally:
        ch.close()
    return {m: json_format.MessageToDict(r) for m, r in
            (("Check", check), ("Diff", diff), ("Create", create))}


def role_fill(key, inputs):
    name = inputs.get("name", "r")
    return {"arn": f"arn:aws:iam::123456789012:role/{name}", "uniqueId": "AROAEXAMPLE0000000001",
            "createDate": "2026-01-01T00:00:00Z", "id": name}.get(key, "")


def echo_fill(key, inputs):
    return "x"


def rpc_figures(P, G):
    """Check, Diff and Create(preview) at each concurrency: floor against awsml."""
    pairs = [
        ("release", "empty gRPC C-core server, static", BUILD / "bench" / "empty_server_static",
         "pulumi-resource-awsml release, aws:iam/role:Role", BUILD / "dist" / "pulumi-resource-awsml",
         ROLE_T, {"assumeRolePolicy": TRUST}, role_fill),
        ("dev", "empty gRPC C-core server, shared libs", BUILD / "bench" / "empty_server",
         "pulumi-resource-awsml test build (shared libs), Echo", BUILD / "test" / "pulumi-resource-awsml",
         ECHO_T, {"value": "x", "tags": {"a": "b"}, "list": [1, 2, 3]}, echo_fill),
    ]
    out = {}
    for key, floor_name, floor_bin, name, binary, type_token, raw, fill in pairs:
        srv = Server(binary)
        try:
            reqs = requests_for(P, G, srv.port, type_token, raw, fill)
            awsml = measure_server(srv, reqs)
        finally:
            srv.stop()
        fsrv = Server(floor_bin)
        try:
            floor = measure_server(fsrv, reqs)  # the same request bytes
        finally:
            fsrv.stop()
        out[key] = {"floor": floor_name, "awsml": name, "type": type_token,
                    "floor_figures": floor, "awsml_figures": awsml}
    return out


def measure_server(srv, reqs):
    """Every method at every concurrency. Each row makes BENCH_GHZ_CALLS calls or,
    by default, as many as the warm-up's rate fills BENCH_GHZ_SECONDS with, so
    the server's CPU time (10 ms ticks) is read over a long enough stretch."""
    res = {}
    for method in ("Check", "Diff", "Create"):
        warm = ghz(srv.port, method, reqs[method], 16, 2000)  # warm up (discarded)
        calls = GHZ_CALLS or max(2000, int(warm["rps"] * GHZ_SECONDS))
        for conc in CONCURRENCY:
            res[f"{method} @{conc}"] = ghz_figures(srv.port, srv.pid, method, reqs[method], conc,
                                                   calls)
    res["peak_rss_mib"] = mib(status_kib(srv.pid, "VmHWM"))
    return res


def peak_64_in_flight():
    """The test build's peak RSS with 64 Creates held in flight at once (the Probe
    type's barrier answers only when all 64 have arrived)."""
    srv = Server(BUILD / "test" / "pulumi-resource-awsml")
    try:
        idle = status_kib(srv.pid, "VmRSS")
        t = "awsml:test/probe:Probe"
        r = ghz(srv.port, "Create", {"urn": f"urn:pulumi:b::p::{t}::b", "type": t,
                                     "properties": {"mode": "barrier", "n": 64, "timeoutMs": 30000}},
                64, 64)
        ok = r["statusCodeDistribution"].get("OK", 0)
        return {"idle_rss_mib": mib(idle), "peak_rss_mib": mib(status_kib(srv.pid, "VmHWM")),
                "calls_ok": ok}
    finally:
        srv.stop()


# ---- Pulumi against moto ------------------------------------------------------------
STACK_PROGRAM = """\
import json
import pulumi_aws as aws

TAG, N_ROLES, N_PIPES = {tag!r}, {roles}, {pipes}
TRUST = json.dumps({{"Version": "2012-10-17", "Statement": [{{
    "Effect": "Allow", "Principal": {{"Service": "sagemaker.amazonaws.com"}},
    "Action": "sts:AssumeRole"}}]}})
DEFINITION = json.dumps({{"Version": "2020-12-01", "Steps": []}})
roles = []
for i in range(N_ROLES):
    role = aws.iam.Role(f"r{{i}}", assume_role_policy=TRUST, path=f"/{{TAG}}/")
    aws.iam.RolePolicyAttachment(f"a{{i}}", role=role.name,
                                 policy_arn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    roles.append(role)
for i in range(N_PIPES):
    aws.sagemaker.Pipeline(f"p{{i}}", role_arn=roles[i].arn, pipeline_name=f"{{TAG}}-p{{i}}",
                           pipeline_display_name=f"{{TAG}}-p{{i}}", pipeline_definition=DEFINITION)
"""


def stack_mix(n):
    """n resources as roles, one attachment per role, and pipelines (a tenth of n,
    at least 2, at most 20): 10 -> 4+4+2, 100 -> 45+45+10, 400 -> 190+190+20."""
    pipes = max(2, min(20, n // 10))
    pipes += (n - pipes) % 2
    return (n - pipes) // 2, pipes


class Pulumi:
    def __init__(self, work, name, program_files, plugins):
        self.proj = work / name
        self.proj.mkdir()
        for fname, text in program_files.items():
            (self.proj / fname).write_text(text)
        (self.proj / "Pulumi.yaml").write_text(textwrap.dedent(f"""\
            name: bench-{name}
            runtime: python
            plugins:
              providers:
                - name: aws
                  path: {plugins}
            """))
        state = work / f"state-{name}"
        state.mkdir()
        self.env = dict(os.environ, PULUMI_BACKEND_URL=f"file://{state}", PYTHONDONTWRITEBYTECODE="1")
        self.run("stack", "init", "bench")

    def run(self, *args):
        subprocess.run(["pulumi", *args, "--non-interactive"], cwd=self.proj, env=self.env,
                       check=True, capture_output=True)


def measured(log, fn):
    rusage_wrap.reset(log)
    t0 = time.perf_counter()
    fn()
    wall = time.perf_counter() - t0
    r = rusage_wrap.read(log)
    return {"wall_s": round(wall, 2), "provider_cpu_s": round(r["cpu_s"], 3),
            "provider_cpu_share": f"{100 * r['cpu_s'] / wall:.1f}%",
            "provider_peak_rss_mib": mib(r["peak_rss_kib"]), "provider_starts": r["starts"]}


PHASES = (("preview", ("preview",)), ("up", ("up", "--yes", "--skip-preview")),
          ("preview, no changes", ("preview", "--expect-no-changes")),
          ("destroy", ("destroy", "--yes", "--skip-preview")))


def run_phases(p, log):
    return {name: measured(log, lambda a=args: p.run(*a)) for name, args in PHASES}


def median_runs(runs):
    """Per phase and figure, the median over repeated runs."""
    out = {}
    for phase in runs[0]:
        out[phase] = {}
        for k, v in runs[0][phase].items():
            vals = [r[phase][k] for r in runs]
            out[phase][k] = statistics.median(vals) if isinstance(v, (int, float)) else v
    return out


def pulumi_figures():
    """The seed program and the stacks, release binary under the rusage wrapper."""
    import boto3
    work = pathlib.Path(tempfile.mkdtemp())
    plugins, log = work / "plugins", work / "rusage.log"
    rusage_wrap.install(plugins, BUILD / "dist" / "pulumi-resource-awsml", log, names=("aws",))
    try:
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="my-model-artifacts-bucket")
        s3.put_object(Bucket="my-model-artifacts-bucket", Key="my-pipeline-definition.json",
                      Body=(ROOT / "examples" / "seed" / "my-pipeline-definition.json").read_bytes())
        out = {}
        seed = ROOT / "examples" / "seed" / "__main__.py"
        out["seed (3 resources)"] = median_runs([
            run_phases(Pulumi(work, f"seed{i}", {"__main__.py": seed.read_text()}, plugins), log)
            for i in range(STACK_RUNS)])
        for n in STACK_SIZES:
            roles, pipes = stack_mix(n)
            runs = []
            for i in range(STACK_RUNS):
                tag = f"bench{n}x{i}"
                program = STACK_PROGRAM.format(tag=tag, roles=roles, pipes=pipes)
                runs.append(run_phases(Pulumi(work, tag, {"__main__.py": program}, plugins), log))
            out[f"{n} resources ({roles} roles, {roles} attachments, {pipes} pipelines)"] = \
                median_runs(runs)
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def growth(stacks):
    """Per phase, from the smallest to the largest stack: factors and per-resource costs."""
    sized = [(int(k.split()[0]), v) for k, v in stacks.items() if k[0].isdigit()]
    if len(sized) < 2:
        return {}
    (n0, a), (n1, b) = sized[0], sized[-1]
    out = {}
    for phase in a:
        fa, fb = a[phase], b[phase]
        out[phase] = {
            "from": n0, "to": n1,
            "wall_ms_per_added_resource": round(1000 * (fb["wall_s"] - fa["wall_s"]) / (n1 - n0), 1),
            "provider_cpu_ms_per_added_resource":
                round(1000 * (fb["provider_cpu_s"] - fa["provider_cpu_s"]) / (n1 - n0), 2),
            "provider_cpu_ms_per_resource_at_largest": round(1000 * fb["provider_cpu_s"] / n1, 2),
            "peak_rss_added_mib": round(fb["provider_peak_rss_mib"] - fa["provider_peak_rss_mib"], 1)}
    return out


# ---- report ---------------------------------------------------------------------
def ratio(a, b):
    return f"{a / b:.2f}" if b else "-"


def markdown(res):
    start, rpc, stacks = res["start"], res["rpc"], res["pulumi"]
    floor = start["empty gRPC C-core server, static (floor)"]
    rel = start["pulumi-resource-awsml release (static)"]
    md = ["# awsml benchmark results", "",
          f"`make bench` on {res['machine']}, load average {res['loadavg']} at the start; "
          f"medians of {RUNS} runs for start and memory.", "",
          "## Start and memory", "",
          "| binary | exec → first line (median ms) | p90 ms | idle RSS (MiB) | size (MiB) |",
          "| --- | --- | --- | --- | --- |"]
    for name, r in start.items():
        md.append(f"| {name} | {r['start_ms_median']} | {r['start_ms_p90']} | "
                  f"{r['idle_rss_mib'] if r['idle_rss_mib'] is not None else '-'} | {r['size_mib']} |")
    p64 = res["in_flight_64"]
    md += ["", f"Release vs static floor: start x{rel['start_ms_median'] / floor['start_ms_median']:.2f}, "
           f"idle RSS +{rel['idle_rss_mib'] - floor['idle_rss_mib']:.1f} MiB. "
           f"64 operations held in flight at once (test build, Probe barrier, "
           f"{p64['calls_ok']}/64 answered): peak RSS {p64['peak_rss_mib']} MiB "
           f"(idle {p64['idle_rss_mib']} MiB).", "",
           "## RPCs over gRPC (ghz)", "",
           f"ghz {res['ghz_version']}, one connection, "
           + (f"{GHZ_CALLS} calls per row" if GHZ_CALLS else
              f"per row as many calls as take about {GHZ_SECONDS:g} s at concurrency 16")
           + " (the first few per worker not tallied for latency), against the empty server (the floor: the same gRPC core "
           "linked the same way, answering every method with an empty message) and awsml. "
           "Both receive the same request bytes: what the engine sends for the type (Check: "
           "the program's inputs; Diff: checked inputs against outputs, answering no changes; "
           "Create with preview). "
           + ("The server runs pinned to CPU 1 and ghz to CPU 0 (one Go thread), "
              if res["pinned"] else "ghz shares the cores with the server, ")
           + "so latencies and calls/s are the client's view of one server core (at high "
           "concurrency the floor is limited by the client); server CPU µs per call is the "
           "server's own CPU time over the row (from /proc, 10 ms ticks) divided by the "
           "calls. ×floor is awsml over the floor.", ""]
    for key, r in rpc.items():
        f, a = r["floor_figures"], r["awsml_figures"]
        md += [f"### {r['awsml']} vs {r['floor']}", "",
               "| call @ concurrency | p50 µs floor / awsml | p99 µs floor / awsml | "
               "calls/s floor / awsml | p50 ×floor | server CPU µs/call floor / awsml "
               "| CPU ×floor | errors |",
               "| --- | --- | --- | --- | --- | --- | --- | --- |"]
        for call in f:
            if call == "peak_rss_mib":
                continue
            x, y = f[call], a[call]
            md.append(f"| {call} | {x['p50_us']} / {y['p50_us']} | {x['p99_us']} / {y['p99_us']} | "
                      f"{x['calls_per_s']} / {y['calls_per_s']} | {ratio(y['p50_us'], x['p50_us'])} | "
                      f"{x['server_cpu_us_per_call']} / {y['server_cpu_us_per_call']} | "
                      f"{ratio(y['server_cpu_us_per_call'], x['server_cpu_us_per_call'])} | "
                      f"{x['errors'] + y['errors']} |")
        md += ["", f"Peak RSS after these runs: floor {f['peak_rss_mib']} MiB, "
               f"awsml {a['peak_rss_mib']} MiB.", ""]
    md += ["## Pulumi against moto (release binary)", "",
           f"`pulumi` {res['pulumi_version']} with its default parallelism ({res['parallel']} "
           f"on this machine), the Python SDK pulumi_aws with awsml in drop-in mode; "
           f"{STACK_RUNS} run(s) per stack (median). The provider's CPU time and peak RSS come "
           "from getrusage of the plugin process (tests/support/rusage_wrap.py); "
           "\"preview, no changes\" is a preview right after up (a Diff per resource).", "",
           "| stack | command | wall s | provider CPU s | provider CPU share | provider peak RSS MiB |",
           "| --- | --- | --- | --- | --- | --- |"]
    for stack, phases in stacks.items():
        for phase, r in phases.items():
            md.append(f"| {stack} | pulumi {phase} | {r['wall_s']} | {r['provider_cpu_s']} | "
                      f"{r['provider_cpu_share']} | {r['provider_peak_rss_mib']} |")
    g = res["growth"]
    if g:
        any_g = next(iter(g.values()))
        md += ["", f"Growth from {any_g['from']} to {any_g['to']} resources:", "",
               "| command | wall ms per added resource | provider CPU ms per added resource | "
               f"provider CPU ms per resource at {any_g['to']} | provider peak RSS added MiB |",
               "| --- | --- | --- | --- | --- |"]
        for phase, r in g.items():
            md.append(f"| pulumi {phase} | {r['wall_ms_per_added_resource']} | "
                      f"{r['provider_cpu_ms_per_added_resource']} | "
                      f"{r['provider_cpu_ms_per_resource_at_largest']} | {r['peak_rss_added_mib']} |")
    return "\n".join(md) + "\n"


def default_parallel():
    """The CLI's default --parallel (4 per core), as its help states it."""
    import re
    text = subprocess.run(["pulumi", "up", "--help"], capture_output=True, text=True).stdout
    m = re.search(r"--parallel .*\(default (\d+)\)", text)
    return int(m.group(1)) if m else None


def main():
    if not GHZ or not os.access(GHZ, os.X_OK):
        sys.exit("bench.py: set AWSML_GHZ to the ghz binary (make bench builds it: bench/ghz.sh)")
    t_start = time.perf_counter()
    loadavg = open("/proc/loadavg").read().split()[0]
    binaries = {
        "trivial C program (floor for a process)": (BUILD / "bench" / "trivial", False),
        "empty gRPC C-core server, static (floor)": (BUILD / "bench" / "empty_server_static", True),
        "pulumi-resource-awsml release (static)": (BUILD / "dist" / "pulumi-resource-awsml", True),
        "empty gRPC C-core server, shared libs": (BUILD / "bench" / "empty_server", True),
        "pulumi-resource-awsml dev build (shared libs)": (ROOT / "bin" / "pulumi-resource-awsml", True),
    }
    start = {name: start_and_memory(path, up) for name, (path, up) in binaries.items()}
    P, G, stubs = grpc_stubs()
    try:
        rpc = rpc_figures(P, G)
    finally:
        shutil.rmtree(stubs, ignore_errors=True)
    in_flight = peak_64_in_flight()
    stacks = pulumi_figures()
    pv = subprocess.run(["pulumi", "version"], capture_output=True, text=True).stdout.strip()
    gvr = subprocess.run([GHZ, "--version"], capture_output=True, text=True)
    gv = (gvr.stdout + gvr.stderr).strip()
    res = {"machine": f"{platform.machine()}, {os.cpu_count()} cores", "loadavg": loadavg,
           "runs": RUNS, "ghz_version": gv, "ghz_calls": GHZ_CALLS, "ghz_seconds": GHZ_SECONDS, "pulumi_version": pv,
           "parallel": default_parallel(), "pinned": PIN, "stack_runs": STACK_RUNS,
           "start": start, "rpc": rpc, "in_flight_64": in_flight, "pulumi": stacks,
           "growth": growth(stacks), "bench_seconds": round(time.perf_counter() - t_start)}
    (ROOT / "bench" / "results.json").write_text(json.dumps(res, indent=2) + "\n")
    md = markdown(res)
    (ROOT / "bench" / "results.md").write_text(md)
    print(md)
    print(f"bench.py: {res['bench_seconds']} s", file=sys.stderr)


if __name__ == "__main__":
    main()
