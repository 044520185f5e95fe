#!/usr/bin/env python3
"""awsml benchmarks: figures side by side in one run, written to
bench/results.md and bench/results.json. Never assertions.

Run with `make bench` (it builds what is measured and runs this inside
scripts/with-moto, which the seed measurements need)."""
import concurrent.futures
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
import threading
import time

ROOT = pathlib.Path(os.environ.get("AWSML_ROOT", pathlib.Path(__file__).resolve().parents[1]))
BUILD = pathlib.Path(os.environ.get("AWSML_BUILD", ROOT / "build"))
RUNS = int(os.environ.get("BENCH_RUNS", "30"))
sys.path.insert(0, str(ROOT / "tests" / "integration"))


def first_line_ms(argv):
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         stdin=subprocess.DEVNULL)
    p.stdout.readline()
    ms = (time.perf_counter() - t0) * 1000
    return p, ms


def status_kib(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def start_and_memory(path, stays_up=True):
    times, rss = [], []
    for _ in range(RUNS):
        p, ms = first_line_ms([str(path)])
        times.append(ms)
        if stays_up:
            time.sleep(0.2)  # settle into idle before reading memory
            rss.append(status_kib(p.pid, "VmRSS") / 1024)
            p.send_signal(signal.SIGTERM)
        p.wait()
    return {"start_ms_median": round(statistics.median(times), 2),
            "start_ms_p90": round(sorted(times)[int(len(times) * 0.9) - 1], 2),
            "idle_rss_mib": round(statistics.median(rss), 1) if rss else None,
            "size_mib": round(path.stat().st_size / 2**20, 1)}


def grpc_figures():
    """Per-call latency of Check, Diff and Create(preview) on the test build's
    Echo type over gRPC, and peak RSS with 64 operations in flight."""
    import grpc
    from conftest import _generate_stubs, struct  # the suite's own stub generator
    out = pathlib.Path(tempfile.mkdtemp())
    _generate_stubs(out)
    sys.path.insert(0, str(out))
    from awsmlpb import provider_pb2 as P, provider_pb2_grpc as G
    from google.protobuf import empty_pb2

    class NS:
        pass

    pb = NS()
    binary = BUILD / "test" / "pulumi-resource-awsml"
    proc = subprocess.Popen([str(binary)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    port = int(proc.stdout.readline())
    ch = grpc.insecure_channel(f"127.0.0.1:{port}")
    stub = G.ResourceProviderStub(ch)
    t = "awsml:test/echo:Echo"
    u = f"urn:pulumi:b::p::{t}::e"
    props = struct(pb, {"value": "x", "tags": {"a": "b"}, "list": [1, 2, 3]})
    calls = {
        "GetPluginInfo (floor: no work)": lambda: stub.GetPluginInfo(empty_pb2.Empty()),
        "Check": lambda: stub.Check(P.CheckRequest(urn=u, type=t, news=props)),
        "Diff": lambda: stub.Diff(P.DiffRequest(id="e", urn=u, type=t, olds=props, news=props)),
        "Create (preview)": lambda: stub.Create(P.CreateRequest(urn=u, type=t, properties=props,
                                                                preview=True)),
    }
    results = {}
    for name, fn in calls.items():
        for conc in (1, 16, 64):
            n = 400 if conc == 1 else 2000
            lat = []
            lock = threading.Lock()

            def one():
                t0 = time.perf_counter()
                fn()
                with lock:
                    lat.append((time.perf_counter() - t0) * 1e6)

            t0 = time.perf_counter()
            with concurrent.futures.ThreadPoolExecutor(max_workers=conc) as ex:
                list(ex.map(lambda _: one(), range(n)))
            wall = time.perf_counter() - t0
            lat.sort()
            results[f"{name} @{conc}"] = {"p50_us": round(lat[len(lat) // 2]),
                                         "p99_us": round(lat[int(len(lat) * 0.99) - 1]),
                                         "calls_per_s": round(n / wall)}
    # Peak memory with 64 blocked operations in flight.
    pt = "awsml:test/probe:Probe"
    with concurrent.futures.ThreadPoolExecutor(max_workers=64) as ex:
        list(ex.map(lambda i: stub.Create(P.CreateRequest(
            urn=f"urn:pulumi:b::p::{pt}::b{i}", type=pt,
            properties=struct(pb, {"mode": "barrier", "n": 64, "timeoutMs": 30000})), timeout=60),
            range(64)))
    peak = status_kib(proc.pid, "VmHWM") / 1024
    proc.send_signal(signal.SIGTERM)
    proc.wait()
    ch.close()
    return results, round(peak, 1)


WRAPPER = """#!{python}
# Runs the plugin as a child and records its CPU time and peak RSS (rusage).
import os, resource, signal, subprocess, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)
p = subprocess.Popen([{binary!r}] + sys.argv[1:])
p.wait()
r = resource.getrusage(resource.RUSAGE_CHILDREN)
with open({log!r}, "a") as f:
    f.write("%f %d\\n" % (r.ru_utime + r.ru_stime, r.ru_maxrss))
sys.exit(p.returncode)
"""


def seed_figures():
    """The seed's program (examples/seed) under pulumi preview and up against
    moto: wall time, and the provider's CPU time and peak RSS."""
    import boto3
    work = pathlib.Path(tempfile.mkdtemp())
    plugins = work / "plugins"
    plugins.mkdir()
    log = work / "rusage.log"
    wrapper = plugins / "pulumi-resource-aws"
    wrapper.write_text(WRAPPER.format(python=sys.executable, log=str(log),
                                      binary=str(BUILD / "dist" / "pulumi-resource-awsml")))
    wrapper.chmod(0o755)
    proj = work / "seed"
    proj.mkdir()
    shutil.copy2(ROOT / "examples" / "seed" / "__main__.py", proj)
    (proj / "Pulumi.yaml").write_text(textwrap.dedent(f"""\
        name: bench-seed
        runtime: python
        plugins:
          providers:
            - name: aws
              path: {plugins}
        """))
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="my-model-artifacts-bucket")
    s3.put_object(Bucket="my-model-artifacts-bucket", Key="my-pipeline-definition.json",
                  Body=(ROOT / "examples" / "seed" / "my-pipeline-definition.json").read_bytes())
    env = dict(os.environ, PULUMI_BACKEND_URL=f"file://{work / 'state'}")
    (work / "state").mkdir()

    def pulumi(*args):
        log.write_text("")
        t0 = time.perf_counter()
        subprocess.run(["pulumi", *args, "--non-interactive"], cwd=proj, env=env, check=True,
                       capture_output=True)
        wall = time.perf_counter() - t0
        cpu, rss = 0.0, 0
        for line in log.read_text().split("\n"):
            if line.strip():
                c, r = line.split()
                cpu, rss = cpu + float(c), max(rss, int(r))
        return {"wall_s": round(wall, 2), "provider_cpu_s": round(cpu, 3),
                "provider_cpu_share": f"{100 * cpu / wall:.1f}%",
                "provider_peak_rss_mib": round(rss / 1024, 1)}

    subprocess.run(["pulumi", "stack", "init", "bench", "--non-interactive"], cwd=proj, env=env,
                   check=True, capture_output=True)
    out = {"preview": pulumi("preview"), "up": pulumi("up", "--yes", "--skip-preview"),
           "destroy": pulumi("destroy", "--yes", "--skip-preview")}
    shutil.rmtree(work, ignore_errors=True)
    return out


def main():
    binaries = {
        "trivial C program (floor for a process)": (BUILD / "bench" / "trivial", False),
        "empty gRPC C-core server, static (floor)": (BUILD / "bench" / "empty_server_static", True),
        "pulumi-resource-awsml release (static)": (BUILD / "dist" / "pulumi-resource-awsml", True),
        "empty gRPC C-core server, shared libs": (BUILD / "bench" / "empty_server", True),
        "pulumi-resource-awsml dev build (shared libs)": (ROOT / "bin" / "pulumi-resource-awsml", True),
    }
    start = {name: start_and_memory(path, up) for name, (path, up) in binaries.items()}
    rpc, peak64 = grpc_figures()
    seed = seed_figures()
    res = {"machine": f"{platform.machine()}, {os.cpu_count()} cores", "runs": RUNS,
           "start": start, "rpc": rpc, "peak_rss_64_in_flight_mib": peak64, "seed": seed}
    (ROOT / "bench" / "results.json").write_text(json.dumps(res, indent=2) + "\n")
    floor = start["empty gRPC C-core server, static (floor)"]
    rel = start["pulumi-resource-awsml release (static)"]
    md = ["# awsml benchmark results", "",
          f"`make bench` on {res['machine']}; medians of {RUNS} runs where repeated.", "",
          "## Start and memory", "",
          "| binary | exec → first line (median ms) | p90 ms | idle RSS (MiB) | size (MiB) |",
          "| --- | --- | --- | --- | --- |"]
    for name, r in start.items():
        md.append(f"| {name} | {r['start_ms_median']} | {r['start_ms_p90']} | "
                  f"{r['idle_rss_mib'] if r['idle_rss_mib'] is not None else '-'} | {r['size_mib']} |")
    md += ["", f"Release vs static floor: start x{rel['start_ms_median'] / floor['start_ms_median']:.2f}, "
           f"idle RSS +{rel['idle_rss_mib'] - floor['idle_rss_mib']:.1f} MiB. "
           f"Peak RSS with 64 operations in flight (test build): {peak64} MiB.", "",
           "## RPC latency over gRPC (Python grpcio client, Echo test type)", "",
           "The client is Python: its own cost dominates these numbers; GetPluginInfo (no work) "
           "is the floor to compare with.", "",
           "| call @ concurrency | p50 µs | p99 µs | calls/s |", "| --- | --- | --- | --- |"]
    for name, r in rpc.items():
        md.append(f"| {name} | {r['p50_us']} | {r['p99_us']} | {r['calls_per_s']} |")
    md += ["", "## The seed program against moto (release binary)", "",
           "| command | wall s | provider CPU s | provider CPU share | provider peak RSS MiB |",
           "| --- | --- | --- | --- | --- |"]
    for name, r in seed.items():
        md.append(f"| pulumi {name} | {r['wall_s']} | {r['provider_cpu_s']} | "
                  f"{r['provider_cpu_share']} | {r['provider_peak_rss_mib']} |")
    (ROOT / "bench" / "results.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
