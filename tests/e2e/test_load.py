"""Load: one stack of 200 roles, 200 role policy attachments and 20 pipelines
(420 resources) through `pulumi up --parallel 64` against moto, then a
no-change preview and a destroy, with the provider's peak RSS measured in
every phase and compared with a stack a tenth of the size.

What it proves:
- the stack is all there after up: every resource in state, and in moto
  (roles under their own path, each with exactly its attachment, the
  pipelines with their roles), and a preview right after up has no changes;
- destroy leaves none of it in moto nor in state;
- the provider's peak RSS does not grow with the size of the stack.

Peak RSS is the kernel's high-water mark (getrusage ru_maxrss of the plugin,
run as the child of tests/support/rusage_wrap.py): exact, not sampled.

The bound, RSS_BOUND_MIB = 8 MiB over the small stack's peak, phase by phase.
Both stacks run at --parallel 64, so the provider's fixed costs (binary, gRPC,
libcurl, glibc's malloc arenas, worker stacks) are in both figures. What differs
besides the size is the width: the small stack never has more than 22
operations in flight, the full one up to 64, and each extra in-flight AWS call
holds a worker, a curl handle and a connection; make bench measures about 3 MiB
for 64 operations held at once over an idle plugin. On this 2-core machine the
full stack's up peaked 1 to 4 MiB above the small one's over five pairs (some
under heavy load from other jobs), preview and destroy within 1 MiB. The full
stack makes about 760 more RPCs in up (a Check and a Create per added resource)
and at least as many more AWS requests, so 8 MiB fails any provider that keeps
more than about 22 KiB per resource (11 KiB per RPC) alive: a leaked response
body, property tree, curl handle or request buffer set of that size, or memory
that grows with the count of resources seen, while leaving twice the width
effect measured as headroom, so the test does not flap when the machine is
busy. Checked by injecting a leak into the test build (an LD_PRELOAD shim
keeping 1 KiB per protobuf message decoded: about 9 KiB per RPC in up and
50 KiB per Diff): up grew 6.5 MiB, preview 18 MiB and destroy 8.5 MiB, and the
test failed; with 3 KiB every phase failed. Figures are printed with -s."""
import json
import sys
from pathlib import Path

import boto3

from conftest import Project

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
import rusage_wrap  # noqa: E402  (tests/support: the plugin's rusage under the engine)

ROLE = "aws:iam/role:Role"
ATTACH = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
PIPE = "aws:sagemaker/pipeline:Pipeline"
POLICY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
PARALLEL = "64"
RSS_BOUND_MIB = 8
FULL = {"roles": 200, "pipes": 20}
SMALL = {"roles": 20, "pipes": 2}

PROGRAM = """
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
    aws.iam.RolePolicyAttachment(f"a{{i}}", role=role.name, policy_arn={policy!r})
    roles.append(role)
for i in range(N_PIPES):
    aws.sagemaker.Pipeline(f"p{{i}}", role_arn=roles[i].arn,
                           pipeline_name=f"{{TAG}}-p{{i}}", pipeline_display_name=f"{{TAG}}-p{{i}}",
                           pipeline_definition=DEFINITION)
"""


def _pages(call, key, **kw):
    out, marker = [], {}
    while True:
        page = call(**kw, **marker)
        out += page[key]
        nxt = page.get("Marker") or page.get("NextToken")
        if not nxt:
            return out
        marker = {"Marker": nxt} if "Marker" in page else {"NextToken": nxt}


def _moto_roles(iam, tag):
    return {r["RoleName"]: r for r in _pages(iam.list_roles, "Roles", PathPrefix=f"/{tag}/")}


def _moto_pipelines(sm, tag):
    return {p["PipelineName"] for p in _pages(sm.list_pipelines, "PipelineSummaries",
                                              PipelineNamePrefix=f"{tag}-")
            if p["PipelineName"].startswith(f"{tag}-")}


def _run_stack(tmp_path, awsml_bin, tag, size):
    """up, check, no-change preview, destroy; returns the provider's figures per phase."""
    plugins, log = tmp_path / f"plugins-{tag}", tmp_path / f"rusage-{tag}.log"
    rusage_wrap.install(plugins, awsml_bin, log, names=("aws",))
    root = tmp_path / tag
    root.mkdir()
    proj = Project(root, f"load-{tag}", plugins, PROGRAM.format(tag=tag, policy=POLICY, **size),
                   providers=("aws",))
    iam, sm = boto3.client("iam"), boto3.client("sagemaker")
    n_roles, n_pipes = size["roles"], size["pipes"]
    figures = {}

    def measured(phase, fn):
        rusage_wrap.reset(log)
        fn()
        figures[phase] = rusage_wrap.read(log)
        assert figures[phase]["starts"] >= 1, f"{phase}: the provider never ran"
        assert all(c == 0 for c in figures[phase]["exit_codes"]), (phase, figures[phase])

    try:
        measured("up", lambda: proj.up("--parallel", PARALLEL))

        # All of it in state ...
        state_roles = proj.resources(ROLE)
        state_att = proj.resources(ATTACH)
        state_pipes = proj.resources(PIPE)
        assert (len(state_roles), len(state_att), len(state_pipes)) == (n_roles, n_roles, n_pipes)
        # ... and in moto: the roles under the stack's path, each with its one attachment,
        role_ids = {r["id"] for r in state_roles}
        moto_roles = _moto_roles(iam, tag)
        assert set(moto_roles) == role_ids
        assert {r["id"] for r in state_att} == {f"{name}/{POLICY}" for name in role_ids}
        for name in role_ids:
            got = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
            assert [a["PolicyArn"] for a in got] == [POLICY], (name, got)
        # ... the pipelines, each run by the role the program gave it.
        assert _moto_pipelines(sm, tag) == {f"{tag}-p{i}" for i in range(n_pipes)}
        arn_of = {r["urn"].rsplit("::", 1)[1]: r["outputs"]["arn"] for r in state_roles}
        for i in range(n_pipes):
            d = sm.describe_pipeline(PipelineName=f"{tag}-p{i}")
            assert d["RoleArn"] == arn_of[f"r{i}"] == moto_roles[_name(arn_of[f"r{i}"])]["Arn"]

        measured("preview", lambda: proj.preview("--expect-no-changes", "--parallel", PARALLEL))
        measured("destroy", lambda: proj.destroy("--parallel", PARALLEL))

        assert _moto_roles(iam, tag) == {}
        assert _moto_pipelines(sm, tag) == set()
        assert [r["type"] for r in proj.resources() if not r["type"].startswith("pulumi:")] == []
    finally:
        proj.cleanup()
    return figures


def _name(role_arn):
    return role_arn.rsplit("/", 1)[1]


def test_420_resources_at_parallel_64_with_flat_provider_memory(tmp_path, awsml_bin, pulumi_cli):
    small = _run_stack(tmp_path, awsml_bin, "ls", SMALL)
    full = _run_stack(tmp_path, awsml_bin, "lf", FULL)
    report = {phase: {"small_peak_mib": round(small[phase]["peak_rss_kib"] / 1024, 1),
                      "full_peak_mib": round(full[phase]["peak_rss_kib"] / 1024, 1),
                      "small_cpu_s": round(small[phase]["cpu_s"], 3),
                      "full_cpu_s": round(full[phase]["cpu_s"], 3)}
              for phase in ("up", "preview", "destroy")}
    print("provider figures:", json.dumps(report, indent=1))
    for phase, r in report.items():
        assert r["full_peak_mib"] <= r["small_peak_mib"] + RSS_BOUND_MIB, (phase, report)
