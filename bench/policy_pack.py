"""What the policy pack adds to a preview of the seed program (issue 14: under 10 ms).

Run inside scripts/with-moto (`make bench-policy-pack`, also the last step of `make bench`).
Two figures, written into bench/results.md between the policy-pack markers:

1. `pulumi preview` of the seed (examples/seed, awsml as the aws plugin) three ways, RUNS times
   each, alternating, on one stack: without a pack; with `--policy-pack` pointing at the
   cheapest pack there can be (bench/empty_server.c, linked like the release binary: a gRPC
   server that answers every call with an empty message, no policies, no config, killed at
   once by SIGINT), which shows what the CLI itself spends on any native pack; and with
   awsml's pack (the release binary as pulumi-analyzer-awsml). The median wall time of each and
   the medians of the per-round differences.
2. The pack's own work, driven over gRPC the way the engine drives it: exec to port line,
   GetPluginInfo, GetAnalyzerInfo, Configure, one Analyze per seed resource (the inputs the
   engine sends), AnalyzeStack: the median over RUNS of the whole exchange.

Figures only, no assertion: a preview's wall time on a shared 2-core machine varies by more
than the pack costs, which is why (2) is measured too."""
import json
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

ROOT = pathlib.Path(os.environ.get("AWSML_ROOT", pathlib.Path(__file__).resolve().parents[1]))
BUILD = pathlib.Path(os.environ.get("AWSML_BUILD", ROOT / "build"))
RUNS = int(os.environ.get("AWSML_BENCH_PACK_RUNS", "11"))
# The release binary (what `make dist` ships) under the pack's name; see main().
RELEASE = BUILD / "dist" / "pulumi-resource-awsml"
EMPTY = BUILD / "bench" / "empty_server_static"
PACK = None
EMPTY_PACK = None
PROVIDER = ROOT / "bin" / "pulumi-resource-awsml"
RESULTS = ROOT / "bench" / "results.md"
BEGIN, END = "<!-- policy-pack -->", "<!-- /policy-pack -->"

ROLE_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def preview_figures(work):
    plugins = work / "plugins"
    plugins.mkdir()
    (plugins / "pulumi-resource-aws").symlink_to(PROVIDER)
    proj = work / "seed"
    proj.mkdir()
    shutil.copy(ROOT / "examples" / "seed" / "__main__.py", proj / "__main__.py")
    (proj / "Pulumi.yaml").write_text(textwrap.dedent(f"""\
        name: bench-pack
        runtime: python
        plugins:
          providers:
            - name: aws
              path: {plugins}
        """))
    state = work / "state"
    state.mkdir()
    env = dict(os.environ, PULUMI_BACKEND_URL=f"file://{state}", PYTHONDONTWRITEBYTECODE="1")

    def run(*args):
        t0 = time.perf_counter()
        r = subprocess.run(["pulumi", *args, "--non-interactive"], cwd=proj, env=env,
                           capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if r.returncode != 0:
            raise RuntimeError(f"pulumi {' '.join(args)} exited {r.returncode}:\n"
                               f"{(r.stdout + r.stderr)[-3000:]}")
        return wall, r.stdout

    run("stack", "init", "bench")
    run("preview")  # warm: the language host's and the plugins' first start
    _, out = run("preview", "--policy-pack", str(PACK))
    assert "AWSML-IAM-001" in out, "the pack reported nothing on the seed:\n" + out
    run("preview", "--policy-pack", str(EMPTY_PACK))
    without, empty, with_pack = [], [], []
    for _ in range(RUNS):
        without.append(run("preview")[0])
        empty.append(run("preview", "--policy-pack", str(EMPTY_PACK))[0])
        with_pack.append(run("preview", "--policy-pack", str(PACK))[0])

    def diff(a, b):
        d = [y - x for x, y in zip(a, b)]
        return statistics.median(d) * 1e3, min(d) * 1e3, max(d) * 1e3

    return {"without_ms": statistics.median(without) * 1e3,
            "empty_ms": statistics.median(empty) * 1e3,
            "with_ms": statistics.median(with_pack) * 1e3,
            "pack": diff(without, with_pack), "floor": diff(without, empty),
            "own": diff(empty, with_pack)}


def stubs(out):
    from grpc_tools import protoc
    import grpc_tools
    src = out / "src" / "awsmlpb"
    src.mkdir(parents=True)
    for name in ("analyzer.proto", "plugin.proto"):
        text = (ROOT / "proto" / "pulumi" / name).read_text()
        (src / name).write_text(re.sub(r'import "pulumi/(\w+\.proto)"', r'import "awsmlpb/\1"', text))
    include = pathlib.Path(grpc_tools.__file__).parent / "_proto"
    if protoc.main(["protoc", f"-I{out / 'src'}", f"-I{include}", f"--python_out={out}",
                    f"--grpc_python_out={out}", "awsmlpb/analyzer.proto", "awsmlpb/plugin.proto"]):
        raise RuntimeError("protoc failed")
    (out / "awsmlpb" / "__init__.py").write_text("")
    sys.path.insert(0, str(out))
    from awsmlpb import analyzer_pb2, analyzer_pb2_grpc
    return analyzer_pb2, analyzer_pb2_grpc


def direct_figures(work):
    import grpc
    from google.protobuf import empty_pb2, struct_pb2
    A, AG = stubs(work / "stubs")

    def st(d):
        s = struct_pb2.Struct()
        s.update(d)
        return s

    prefix = "urn:pulumi:bench::seed::"
    seed = [
        ("aws:iam/role:Role", "SageMakerRole", {"assumeRolePolicy": ROLE_TRUST, "name": UNKNOWN}),
        ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "SageMakerPolicyAttachment",
         {"role": UNKNOWN, "policyArn": "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"}),
        ("aws:sagemaker/pipeline:Pipeline", "SageMakerPipeline",
         {"roleArn": UNKNOWN, "pipelineName": "MyModelTrainingPipeline",
          "pipelineDisplayName": "MyModelTrainingPipeline",
          "pipelineDefinitionS3Location": {"bucket": "my-model-artifacts-bucket",
                                           "objectKey": "my-pipeline-definition.json"}}),
    ]
    starts, calls = [], []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        p = subprocess.Popen([str(PACK)], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        port = int(p.stdout.readline())
        t1 = time.perf_counter()
        with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
            an = AG.AnalyzerStub(ch)
            an.GetPluginInfo(empty_pb2.Empty(), timeout=10)
            an.GetAnalyzerInfo(empty_pb2.Empty(), timeout=10)
            an.Configure(A.ConfigureAnalyzerRequest(), timeout=10)
            res = []
            for t, n, props in seed:
                urn = f"{prefix}{t}::{n}"
                an.Analyze(A.AnalyzeRequest(type=t, urn=urn, name=n, properties=st(props)),
                           timeout=10)
                res.append(A.AnalyzerResource(type=t, urn=urn, name=n, properties=st(props)))
            an.AnalyzeStack(A.AnalyzeStackRequest(resources=res), timeout=10)
        calls.append(time.perf_counter() - t1)
        starts.append(t1 - t0)
        p.terminate()
        p.wait(15)
    return {"start_ms": statistics.median(starts) * 1e3,
            "calls_ms": statistics.median(calls) * 1e3}


def main():
    global PACK, EMPTY_PACK
    with tempfile.TemporaryDirectory() as d:
        work = pathlib.Path(d)
        for sub, src, name in (("pack", RELEASE, "pulumi-analyzer-awsml"),
                               ("empty", EMPTY, "pulumi-analyzer-empty")):
            (work / sub).mkdir()
            shutil.copy(src, work / sub / name)
            (work / sub / "PulumiPolicy.yaml").write_text(
                "runtime: native\nversion: 0.1.0\ndescription: benchmark\n")
        PACK = work / "pack" / "pulumi-analyzer-awsml"
        EMPTY_PACK = work / "empty" / "pulumi-analyzer-empty"
        pv = preview_figures(work)
        direct = direct_figures(work)
    load = os.getloadavg()[0]

    def row(k):
        m, lo, hi = pv[k]
        return f"{m:.1f} ({lo:.0f} / {hi:.0f})"
    section = textwrap.dedent(f"""\
        {BEGIN}
        ## Policy pack (issue 14)

        `pulumi preview` of the seed program (3 resources, awsml as the aws plugin) three ways,
        {RUNS} rounds, alternating within each round, load average {load:.2f} at the end
        (`make bench-policy-pack`, bench/policy_pack.py): without a pack; with the cheapest
        native pack there can be (bench/empty_server.c linked like the release binary: it
        answers every call with an empty message, has no policies and dies at SIGINT); and
        with awsml's pack (the release binary, as `make dist` ships it):

        | preview of the seed | median wall ms |
        | --- | --- |
        | without a pack | {pv['without_ms']:.0f} |
        | with the empty pack | {pv['empty_ms']:.0f} |
        | with awsml's pack | {pv['with_ms']:.0f} |

        | difference, median of the {RUNS} rounds (min / max), ms | |
        | --- | --- |
        | awsml's pack, against no pack | {row('pack')} |
        | the empty pack, against no pack: what the CLI spends on any pack | {row('floor')} |
        | awsml's pack, against the empty pack: awsml's own part | {row('own')} |

        The pack's own part, driven over gRPC from Python as the engine drives it, medians of
        {RUNS}: exec to port line {direct['start_ms']:.1f} ms; GetPluginInfo, GetAnalyzerInfo,
        Configure, Analyze of the seed's 3 resources and AnalyzeStack together
        {direct['calls_ms']:.1f} ms (a new channel included). On this shared machine single
        previews vary by far more than these differences, hence medians of alternating rounds.
        {END}
        """)
    text = RESULTS.read_text() if RESULTS.exists() else "# awsml benchmark results\n"
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + section.rstrip("\n") + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text)
    print(section)


if __name__ == "__main__":
    main()
