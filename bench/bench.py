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
   plugin run under tests/support/rusage_wrap.py). The stacks mix roles, policy
   attachments, pipelines, S3 buckets and objects, KMS keys and aliases; then
   one stack per type (BENCH_TYPE_N of it beside a base of one role, bucket and
   key) gives the provider's CPU per resource of each type.
4. A 1 GiB file asset (aws.s3.BucketObjectv2 with a FileAsset) uploaded by
   `pulumi up`: the provider's peak RSS (checked: under 32 MiB, or bench.py
   exits non-zero after writing the results) and CPU per GiB, beside `aws s3
   cp` of the same file to the same moto (AWS CLI v1 from its own venv,
   AWSML_BENCH_AWS; make bench installs it) with its CPU per GiB and peak RSS.

Run with `make bench`: it builds what is measured and runs this inside
scripts/with-moto. Knobs: BENCH_RUNS (start/idle repetitions, default 30),
BENCH_GHZ_SECONDS (about how long each ghz row runs, default 2) or
BENCH_GHZ_CALLS (a fixed count of calls per row instead), BENCH_STACK_SIZES
(default "10 100 400"), BENCH_STACK_RUNS (runs of each stack, median; default 1),
BENCH_TYPE_N (resources per per-type stack, default 40), BENCH_UPLOAD_MIB (size
of the uploaded file, default 1024), BENCH_PARTS (which parts to run, default
"start rpc stacks types upload"; a subset keeps the other parts' figures from
the existing bench/results.json and notes so in results.md)."""
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
TYPE_N = int(os.environ.get("BENCH_TYPE_N", "40"))
UPLOAD_MIB = int(os.environ.get("BENCH_UPLOAD_MIB", "1024"))
ALL_PARTS = ("start", "rpc", "stacks", "types", "upload")
PARTS = os.environ.get("BENCH_PARTS", " ".join(ALL_PARTS)).split()
AWS_CLI = os.environ.get("AWSML_BENCH_AWS", "")
UPLOAD_RSS_LIMIT_MIB = 32
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

TAG, C = {tag!r}, {counts!r}
TRUST = json.dumps({{"Version": "2012-10-17", "Statement": [{{
    "Effect": "Allow", "Principal": {{"Service": "sagemaker.amazonaws.com"}},
    "Action": "sts:AssumeRole"}}]}})
DEFINITION = json.dumps({{"Version": "2020-12-01", "Steps": []}})
roles = [aws.iam.Role(f"r{{i}}", assume_role_policy=TRUST, path=f"/{{TAG}}/")
         for i in range(C["roles"])]
for i in range(C["attachments"]):
    aws.iam.RolePolicyAttachment(f"a{{i}}", role=roles[i].name,
                                 policy_arn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
for i in range(C["pipelines"]):
    aws.sagemaker.Pipeline(f"p{{i}}", role_arn=roles[i % len(roles)].arn,
                           pipeline_name=f"{{TAG}}-p{{i}}", pipeline_display_name=f"{{TAG}}-p{{i}}",
                           pipeline_definition=DEFINITION)
buckets = [aws.s3.Bucket(f"b{{i}}", bucket=f"{{TAG}}-b{{i}}", force_destroy=True)
           for i in range(C["buckets"])]
for i in range(C["objects"]):
    aws.s3.BucketObjectv2(f"o{{i}}", bucket=buckets[i % len(buckets)].id, key=f"o{{i}}.txt",
                          content=f"object {{i}} of {{TAG}}", content_type="text/plain")
keys = [aws.kms.Key(f"k{{i}}", description=f"{{TAG}} key {{i}}", deletion_window_in_days=7)
        for i in range(C["keys"])]
for i in range(C["aliases"]):
    aws.kms.Alias(f"al{{i}}", name=f"alias/{{TAG}}-a{{i}}", target_key_id=keys[i % len(keys)].key_id)
"""
TYPES = ("roles", "attachments", "pipelines", "buckets", "objects", "keys", "aliases")


def stack_mix(n):
    """n resources: a twentieth each of pipelines, KMS keys and aliases, a tenth
    buckets, the rest a third each roles, attachments (one per role) and objects:
    10 -> 2/2/1/1/2/1/1, 100 -> 25/25/5/10/25/5/5, 400 -> 100/100/20/40/100/20/20."""
    k = max(1, round(n * 0.05))
    buckets = max(1, round(n * 0.1))
    rest = n - 3 * k - buckets
    roles = rest // 3
    return {"roles": roles, "attachments": roles, "pipelines": k, "buckets": buckets,
            "objects": rest - 2 * roles, "keys": k, "aliases": k}


def mix_label(n, c):
    return (f"{n} resources ({c['roles']} roles, {c['attachments']} attachments, "
            f"{c['pipelines']} pipelines, {c['buckets']} buckets, {c['objects']} objects, "
            f"{c['keys']} keys, {c['aliases']} aliases)")


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
        r = subprocess.run(["pulumi", *args, "--non-interactive"], cwd=self.proj, env=self.env,
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"pulumi {' '.join(args)} in {self.proj.name} exited "
                               f"{r.returncode}:\n{(r.stdout + r.stderr)[-3000:]}")


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


class Plugin:
    """The release binary installed as the aws plugin under the rusage wrapper."""

    def __init__(self):
        self.work = pathlib.Path(tempfile.mkdtemp())
        self.plugins, self.log = self.work / "plugins", self.work / "rusage.log"
        rusage_wrap.install(self.plugins, BUILD / "dist" / "pulumi-resource-awsml", self.log,
                            names=("aws",))

    def close(self):
        shutil.rmtree(self.work, ignore_errors=True)


def pulumi_figures(pl):
    """The seed program and the mixed stacks."""
    import boto3
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="my-model-artifacts-bucket")
    s3.put_object(Bucket="my-model-artifacts-bucket", Key="my-pipeline-definition.json",
                  Body=(ROOT / "examples" / "seed" / "my-pipeline-definition.json").read_bytes())
    out = {}
    seed = ROOT / "examples" / "seed" / "__main__.py"
    out["seed (3 resources)"] = median_runs([
        run_phases(Pulumi(pl.work, f"seed{i}", {"__main__.py": seed.read_text()}, pl.plugins), pl.log)
        for i in range(STACK_RUNS)])
    for n in STACK_SIZES:
        counts = stack_mix(n)
        runs = []
        for i in range(STACK_RUNS):
            tag = f"bench{n}x{i}"
            program = STACK_PROGRAM.format(tag=tag, counts=counts)
            runs.append(run_phases(Pulumi(pl.work, tag, {"__main__.py": program}, pl.plugins), pl.log))
        out[mix_label(n, counts)] = median_runs(runs)
    return out


def type_figures(pl):
    """Provider CPU per resource of each type: a stack of TYPE_N of the type (with
    what it needs: attachments their roles, pipelines/objects/aliases the base's
    one role/bucket/key) beside the base stack (one role, bucket and key); the
    difference over TYPE_N, attachments less a role's figure."""
    base = {t: 0 for t in TYPES}
    base.update(roles=1, buckets=1, keys=1)
    stacks = {"base": base}
    for t in TYPES:
        c = dict(base)
        c[t] += TYPE_N
        if t == "attachments":
            c["roles"] += TYPE_N
        stacks[t] = c
    raw = {}
    for name, c in stacks.items():
        runs = []
        for i in range(STACK_RUNS):
            tag = f"type-{name}-{i}"
            program = STACK_PROGRAM.format(tag=tag, counts=c)
            runs.append(run_phases(Pulumi(pl.work, tag, {"__main__.py": program}, pl.plugins), pl.log))
        raw[name] = median_runs(runs)
    per = {}
    for t in TYPES:
        per[t] = {}
        for phase in raw["base"]:
            d = raw[t][phase]["provider_cpu_s"] - raw["base"][phase]["provider_cpu_s"]
            if t == "attachments":
                d -= raw["roles"][phase]["provider_cpu_s"] - raw["base"][phase]["provider_cpu_s"]
            per[t][phase] = round(1000 * d / TYPE_N, 2)
    return {"n": TYPE_N, "stacks": stacks, "raw": raw, "cpu_ms_per_resource": per}


UPLOAD_PROGRAM = """\
import pulumi
import pulumi_aws as aws

obj = aws.s3.BucketObjectv2("big", bucket={bucket!r}, key="big.bin",
                            source=pulumi.FileAsset({path!r}))
pulumi.export("etag", obj.etag)
"""


def run_rusage(argv, env=None):
    """Run argv to its end; (wall s, CPU s user+sys, peak RSS KiB) of it and its
    children that it waited for (os.wait4 of the one child)."""
    with tempfile.TemporaryFile() as errf:  # a file, not a pipe: nothing to fill up
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=errf)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode != 0:
            errf.seek(0)
            err = errf.read().decode(errors="replace")
            raise RuntimeError(f"{argv[0]} exited {p.returncode}: {err[-2000:]}")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss


def upload_figures(pl):
    """A file of UPLOAD_MIB MiB from a temp dir: pulumi up of a BucketObjectv2 with
    it as FileAsset (the provider under the rusage wrapper), then aws s3 cp of the
    same file to the same moto. The object goes between the two, so moto holds
    one copy at a time."""
    import boto3
    if not AWS_CLI or not os.access(AWS_CLI, os.X_OK):
        sys.exit("bench.py: set AWSML_BENCH_AWS to the aws CLI of the bench venv (make bench installs it)")
    s3 = boto3.client("s3")
    bucket = "awsml-bench-upload"
    s3.create_bucket(Bucket=bucket)
    tmp = pathlib.Path(tempfile.mkdtemp())
    try:
        path = tmp / "big.bin"
        chunk = 16 * 2**20
        with open(path, "wb") as f:
            for _ in range(UPLOAD_MIB // 16):
                f.write(os.urandom(chunk))
            f.write(os.urandom((UPLOAD_MIB % 16) * 2**20))
        size = path.stat().st_size
        gib = size / 2**30
        # Read once so both uploads start from the page cache.
        with open(path, "rb") as f:
            while f.read(chunk):
                pass
        p = Pulumi(pl.work, "upload", {"__main__.py": UPLOAD_PROGRAM.format(bucket=bucket, path=str(path))},
                   pl.plugins)
        up = measured(pl.log, lambda: p.run("up", "--yes", "--skip-preview"))
        head = s3.head_object(Bucket=bucket, Key="big.bin")
        assert head["ContentLength"] == size, head
        p.run("destroy", "--yes", "--skip-preview")
        aws_v = subprocess.run([AWS_CLI, "--version"], capture_output=True, text=True)
        wall, cpu, rss = run_rusage([AWS_CLI, "s3", "cp", "--only-show-errors", str(path),
                                     f"s3://{bucket}/big-cli.bin"])
        head = s3.head_object(Bucket=bucket, Key="big-cli.bin")
        assert head["ContentLength"] == size, head
        s3.delete_object(Bucket=bucket, Key="big-cli.bin")
        cli = {"wall_s": round(wall, 2), "cpu_s": round(cpu, 3),
               "cpu_s_per_gib": round(cpu / gib, 3), "peak_rss_mib": mib(rss),
               "version": (aws_v.stdout + aws_v.stderr).strip()}
        prov = {"wall_s": up["wall_s"], "cpu_s": up["provider_cpu_s"],
                "cpu_s_per_gib": round(up["provider_cpu_s"] / gib, 3),
                "peak_rss_mib": up["provider_peak_rss_mib"], "starts": up["provider_starts"]}
        return {"size_mib": round(size / 2**20), "pulumi_up": prov, "aws_s3_cp": cli,
                "rss_limit_mib": UPLOAD_RSS_LIMIT_MIB,
                "rss_ok": prov["peak_rss_mib"] < UPLOAD_RSS_LIMIT_MIB,
                "loadavg_after": open("/proc/loadavg").read().split()[0]}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


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
          f"medians of {RUNS} runs for start and memory."
          + (f" Note: {res['parts_note']}." if res.get("parts_note") else ""), "",
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
    ty = res.get("types")
    if ty:
        phases = list(next(iter(ty["cpu_ms_per_resource"].values())))
        md += ["", "### Provider CPU per resource by type", "",
               f"One stack per type: {ty['n']} of the type beside a base stack of one role, one "
               "bucket and one key (pipelines use the base's role, objects its bucket, aliases its "
               "key; attachments come with a role each, whose figure is taken off). The figure is "
               f"(provider CPU of the type's stack - the base stack's) / {ty['n']}, in ms; the "
               "whole plugin process counts (start, Configure, every call), so small negative or "
               "noisy figures mean the type costs less than the run-to-run noise "
               "(about 10 ms per stack).", "",
               "| type | " + " | ".join(f"pulumi {ph}" for ph in phases) + " |",
               "| --- |" + " --- |" * len(phases)]
        names = {"roles": "aws:iam/role:Role", "attachments": "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                 "pipelines": "aws:sagemaker/pipeline:Pipeline", "buckets": "aws:s3/bucket:Bucket",
                 "objects": "aws:s3/bucketObjectv2:BucketObjectv2 (small content)",
                 "keys": "aws:kms/key:Key", "aliases": "aws:kms/alias:Alias"}
        for t, per in ty["cpu_ms_per_resource"].items():
            md.append(f"| {names.get(t, t)} | " + " | ".join(str(per[ph]) for ph in phases) + " |")
        base = ty["raw"]["base"]
        md += ["", "Base stack (3 resources), provider CPU s: "
               + ", ".join(f"{ph} {base[ph]['provider_cpu_s']}" for ph in phases) + "."]
    up = res.get("upload")
    if up:
        pu, cli = up["pulumi_up"], up["aws_s3_cp"]
        md += ["", f"## Upload of a {up['size_mib']} MiB file asset", "",
               f"`pulumi up` of an `aws.s3.BucketObjectv2` whose source is a `FileAsset` of a "
               f"{up['size_mib']} MiB file of random bytes in a temp dir (read once beforehand, so "
               "from the page cache), against moto; then `aws s3 cp` of the same file to the same "
               f"moto ({cli['version']}, its default multipart settings: 8 MiB parts, 10 threads). "
               "awsml hashes the file once, then streams it from disk in 16 MiB parts "
               "(multipart above 64 MiB). The provider's CPU time (user+sys) and peak RSS come from "
               "getrusage of the plugin process over the whole `pulumi up` (start, Configure, "
               "Check, Create); the CLI's from wait4 of the `aws` process. "
               f"Load average {res['loadavg']} at the start of the bench, "
               f"{up['loadavg_after']} right after the uploads.", "",
               "| uploader | wall s | CPU s | CPU s per GiB | peak RSS MiB |",
               "| --- | --- | --- | --- | --- |",
               f"| awsml provider under `pulumi up` | {pu['wall_s']} | {pu['cpu_s']} | "
               f"{pu['cpu_s_per_gib']} | {pu['peak_rss_mib']} |",
               f"| `aws s3 cp` | {cli['wall_s']} | {cli['cpu_s']} | {cli['cpu_s_per_gib']} | "
               f"{cli['peak_rss_mib']} |", "",
               f"Check: provider peak RSS {pu['peak_rss_mib']} MiB "
               + (f"< {up['rss_limit_mib']} MiB: passed." if up["rss_ok"] else
                  f">= {up['rss_limit_mib']} MiB: FAILED.")
               + f" Provider CPU per GiB is {ratio(pu['cpu_s_per_gib'], cli['cpu_s_per_gib'])}× the CLI's. "
               "The wall time of `pulumi up` also holds the CLI, the Python program and the "
               "engine's own hash of the asset."]
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
    prev_path = ROOT / "bench" / "results.json"
    prev = json.loads(prev_path.read_text()) if prev_path.exists() else {}
    unknown = [x for x in PARTS if x not in ALL_PARTS]
    if unknown:
        sys.exit(f"bench.py: BENCH_PARTS: unknown part(s) {unknown}; the parts are {ALL_PARTS}")
    res = dict(prev)
    if "start" in PARTS:
        res["start"] = {name: start_and_memory(path, up) for name, (path, up) in binaries.items()}
    if "rpc" in PARTS:
        P, G, stubs = grpc_stubs()
        try:
            res["rpc"] = rpc_figures(P, G)
        finally:
            shutil.rmtree(stubs, ignore_errors=True)
        res["in_flight_64"] = peak_64_in_flight()
        gvr = subprocess.run([GHZ, "--version"], capture_output=True, text=True)
        res["ghz_version"] = (gvr.stdout + gvr.stderr).strip()
    pl = Plugin()
    try:
        if "stacks" in PARTS:
            res["pulumi"] = pulumi_figures(pl)
            res["growth"] = growth(res["pulumi"])
        if "types" in PARTS:
            res["types"] = type_figures(pl)
        if "upload" in PARTS:
            res["upload"] = upload_figures(pl)
    finally:
        pl.close()
    pv = subprocess.run(["pulumi", "version"], capture_output=True, text=True).stdout.strip()
    res.update({"machine": f"{platform.machine()}, {os.cpu_count()} cores", "loadavg": loadavg,
                "runs": RUNS, "ghz_calls": GHZ_CALLS, "ghz_seconds": GHZ_SECONDS, "pulumi_version": pv,
                "parallel": default_parallel(), "pinned": PIN, "stack_runs": STACK_RUNS,
                "parts": PARTS, "bench_seconds": round(time.perf_counter() - t_start)})
    if set(PARTS) != set(ALL_PARTS):
        res["parts_note"] = (f"this run measured only {', '.join(PARTS)}; the other parts' figures "
                             f"are those of the previous full run (load average then "
                             f"{prev.get('loadavg', '?')})")
    else:
        res.pop("parts_note", None)
    prev_path.write_text(json.dumps(res, indent=2) + "\n")
    md = markdown(res)
    (ROOT / "bench" / "results.md").write_text(md)
    print(md)
    print(f"bench.py: {res['bench_seconds']} s", file=sys.stderr)
    up = res.get("upload")
    if up and not up["rss_ok"]:
        sys.exit(f"bench.py: CHECK FAILED: the provider's peak RSS while uploading "
                 f"{up['size_mib']} MiB was {up['pulumi_up']['peak_rss_mib']} MiB, "
                 f"not under {up['rss_limit_mib']} MiB")


if __name__ == "__main__":
    main()
