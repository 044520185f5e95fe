"""Interrupted updates: `pulumi up` stopped with SIGINT (once, or twice so the CLI
terminates without waiting), and the provider process SIGKILLed, while a create is
in flight, held in tests/support/fault_proxy.py on its way to or from moto.

What Pulumi (CLI 3.260) does, and what these tests pin down for awsml:
- First SIGINT: the engine calls Cancel on the provider and waits for the
  in-flight Create's answer. awsml aborts the AWS call, then (within a 2 s grace)
  looks up whether the resource exists, so the answer names what AWS made: the
  state gets it, or nothing was made.
- Second SIGINT, or the CLI SIGKILLed: the CLI ends at once and leaves a pending
  "creating" operation in the state; the provider ends with it (a killed CLI: when
  awsml sees its stdin pipe close).
- Provider killed: the engine records the create as failed; nothing reaches the
  state. awsml wrote a record of the create in flight before calling AWS
  (AWSML_STATE_DIR/pending-creates), so the next `up` reuses the name and adopts
  what the killed create made instead of making a second one.
The recovery each needs is the one README "After an interrupted update" documents:
nothing (SIGINT, provider killed), or `pulumi refresh --clear-pending-creates` (CLI
gone; after `pulumi cancel` when the killed CLI left the stack locked). Afterwards moto and the state agree
(consistency.py), the next `up` succeeds and `preview` shows no changes.

The program is the seed's shape through pulumi_aws (drop-in mode) with an
autonamed role, so a lost create would show up as a second role. Each test uses its
own name prefix, so a failure in one cannot confuse another.
"""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from consistency import assert_consistent, moto_inventory  # noqa: E402
from fault_proxy import FaultProxy  # noqa: E402

ROLE = "aws:iam/role:Role"
ATTACH = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
PIPE = "aws:sagemaker/pipeline:Pipeline"
POLICY_ARN = "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"
WAIT_S = 90  # patience for one interrupted `pulumi up` to reach the held call or to exit

PROGRAM = '''
import json
import pulumi
import pulumi_aws as aws

role = aws.iam.Role("{prefix}role",
    assume_role_policy=json.dumps({{
        "Version": "2012-10-17",
        "Statement": [{{"Effect": "Allow",
                        "Principal": {{"Service": "sagemaker.amazonaws.com"}},
                        "Action": "sts:AssumeRole"}}],
    }}))
attachment = aws.iam.RolePolicyAttachment("{prefix}attachment",
    role=role.name,
    policy_arn="{policy_arn}")
# After the attachment, so one create at a time is in flight when the test strikes.
pipeline = aws.sagemaker.Pipeline("{prefix}pipeline",
    opts=pulumi.ResourceOptions(depends_on=[attachment]),
    role_arn=role.arn,
    pipeline_name="{prefix}pipeline",
    pipeline_display_name="{prefix}pipeline",
    pipeline_definition=json.dumps({{"Version": "2020-12-01", "Steps": []}}))
pulumi.export("role", role.name)
'''


@pytest.fixture(scope="module")
def proxy(moto_endpoint):
    """One proxy for the module: it outlives each project's cleanup (make_project's
    teardown destroys what a test left, through this proxy)."""
    with FaultProxy(moto_endpoint) as p:
        yield p


@pytest.fixture
def interrupted(make_project, proxy, tmp_path):
    """interrupted(prefix) -> (project, Run): a project whose AWS calls go through the
    proxy and whose pending-create records live in the test's temp dir."""
    runs = []
    proxy.clear()

    def make(prefix):
        proj = make_project(PROGRAM.format(prefix=prefix, policy_arn=POLICY_ARN),
                            providers=("aws",), name=prefix.rstrip("-"))
        for k in list(proj.env):
            if k.startswith("AWS_ENDPOINT_URL"):
                proj.env[k] = proxy.url
        proj.env["AWSML_STATE_DIR"] = str(tmp_path / f"awsml-state-{prefix}")
        run = Run(proj, tmp_path / f"up-{prefix}{len(runs)}.log")
        runs.append(run)
        return proj, run

    yield make
    for run in runs:
        run.stop()
    proxy.clear()  # no rule or hold left to trip the cleanup's destroy


class Run:
    """One `pulumi up` started in the background, so it can be interrupted."""

    def __init__(self, proj, log_path):
        self.proj = proj
        self.log_path = log_path
        self.p = None
        self.providers = []

    def start(self):
        self.log = open(self.log_path, "w")
        argv = ["pulumi", "up", "--yes", "--skip-preview", "--non-interactive", "--color", "never"]
        self.p = subprocess.Popen(argv, cwd=self.proj.dir, env=self.proj.env,
                                  stdin=subprocess.DEVNULL, stdout=self.log,
                                  stderr=subprocess.STDOUT)
        return self

    def provider_pid(self):
        """The awsml plugin the CLI started (it serves as pulumi-resource-aws here)."""
        found = []
        for d in Path("/proc").iterdir():
            if not d.name.isdigit():
                continue
            try:
                stat = (d / "stat").read_text()
                argv0 = (d / "cmdline").read_bytes().split(b"\0")[0]
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == self.p.pid and os.path.basename(argv0).startswith(b"pulumi-resource-"):
                found.append(int(d.name))
        assert len(found) == 1, f"expected one provider process under pulumi {self.p.pid}: {found}"
        self.providers = found
        return found[0]

    def wait(self):
        try:
            self.p.wait(timeout=WAIT_S)
        except subprocess.TimeoutExpired:
            self.stop()
            pytest.fail(f"pulumi up did not exit within {WAIT_S} s after the interruption:\n"
                        + self.output())
        return self.p.returncode, self.output()

    def output(self):
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self):
        """Ends what this run started and is still alive (by pid only)."""
        if self.p is not None and self.p.poll() is None:
            self.p.kill()
            self.p.wait()
        for pid in self.providers:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        if self.p is not None:
            self.log.close()


def held(proxy, action, when="after", extra=()):
    proxy.set_rules([{"action": action, "fault": "hold", "when": when}, *extra])


def wait_held(proxy, run, action):
    if not proxy.wait_held(action, timeout=WAIT_S):
        run.stop()
        pytest.fail(f"{action} was never held; pulumi up said:\n{run.output()}")


def converges(proj, prefix):
    """The next `up` succeeds, then moto and the state agree and nothing is left to do.
    Returns what moto holds and that up's output."""
    up = proj.up()
    inv = assert_consistent(proj, prefix=prefix)
    proj.preview("--expect-no-changes")
    assert len(inv["roles"]) == 1 and len(inv["pipelines"]) == 1, inv
    assert inv["attachments"] == [f"{inv['roles'][0]}/{POLICY_ARN}"], inv
    return inv, up.output


def role_in_state(proj, prefix):
    return [r["id"] for r in proj.resources(ROLE) if r["urn"].endswith(f"::{prefix}role")]


# ---- SIGINT ------------------------------------------------------------------------------


@pytest.mark.parametrize("when", ["after", "before"])
def test_sigint_while_create_role_in_flight(interrupted, proxy, when):
    """after: moto made the role, its answer is held: the interrupted up records it.
    before: the request never reached moto: nothing is made and nothing recorded."""
    prefix = f"int-sig{when[0]}-"
    proj, run = interrupted(prefix)
    held(proxy, "CreateRole", when)
    run.start()
    wait_held(proxy, run, "CreateRole")
    run.p.send_signal(signal.SIGINT)
    rc, out = run.wait()
    assert rc != 0, out
    assert "^C received; cancelling" in out, out
    inv = assert_consistent(proj, prefix=prefix)
    if when == "after":
        assert "update canceled" in out, out
        assert "it is taken as created" in out, out
        assert role_in_state(proj, prefix) == inv["roles"] and len(inv["roles"]) == 1, inv
    else:
        assert "CreateRole" in out and "cancelled" in out, out
        assert inv["roles"] == [] and role_in_state(proj, prefix) == []
    after, _ = converges(proj, prefix)
    if when == "after":
        assert after["roles"] == inv["roles"], "the recorded role was replaced by another one"


def test_sigint_while_the_lookup_is_held_too(interrupted, proxy):
    """The engine waits for the provider: CreateRole's answer is held after moto made
    the role, and the GetRole awsml uses to find out what happened is held as well, so
    the 2 s grace runs out. The role is then recorded by its name (refresh would drop
    it if it did not exist): nothing is lost."""
    prefix = "int-sigw-"
    proj, run = interrupted(prefix)
    held(proxy, "CreateRole", "after", [{"action": "GetRole", "fault": "hold", "when": "before"}])
    run.start()
    wait_held(proxy, run, "CreateRole")
    run.p.send_signal(signal.SIGINT)
    wait_held(proxy, run, "GetRole")
    assert run.p.poll() is None, "the CLI did not wait for the provider's answer"
    rc, out = run.wait()
    assert rc != 0, out
    assert "whether CreateRole created it is unknown" in out and "it is recorded" in out, out
    inv = assert_consistent(proj, prefix=prefix)
    assert role_in_state(proj, prefix) == inv["roles"] and len(inv["roles"]) == 1, inv
    assert converges(proj, prefix)[0]["roles"] == inv["roles"]


@pytest.mark.parametrize("how", ["sigint-twice", "cli-killed"])
def test_cli_gone_leaves_a_pending_create_that_refresh_clears(interrupted, proxy, how):
    """sigint-twice: a second SIGINT while the engine waits for the provider; the CLI
    exits at once. cli-killed: SIGKILL to the CLI; the provider sees its stdin close and
    exits too. Either way the state keeps a pending create and not the role moto made.
    Recovery: `pulumi cancel` (only the killed CLI leaves the stack locked), `pulumi
    refresh --clear-pending-creates`; the next up adopts the role by its recorded name."""
    prefix = {"sigint-twice": "int-sig2-", "cli-killed": "int-cli-"}[how]
    proj, run = interrupted(prefix)
    lookup = [{"action": "GetRole", "fault": "hold", "when": "before"}]
    held(proxy, "CreateRole", "after", lookup if how == "sigint-twice" else [])
    run.start()
    wait_held(proxy, run, "CreateRole")
    provider = run.provider_pid()
    if how == "sigint-twice":
        run.p.send_signal(signal.SIGINT)
        wait_held(proxy, run, "GetRole")
        run.p.send_signal(signal.SIGINT)
        rc, out = run.wait()
        assert rc != 0 and "^C received; terminating" in out, out
    else:
        run.p.kill()
        run.wait()
    deadline = time.monotonic() + 15
    while Path(f"/proc/{provider}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not Path(f"/proc/{provider}").exists(), "the provider outlived the CLI"

    made = moto_inventory(prefix)["roles"]
    assert len(made) == 1, made
    pending = proj.export()["deployment"].get("pending_operations") or []
    assert [(p["type"], p["resource"]["inputs"]["name"]) for p in pending] == \
        [("creating", next(iter(made)))], pending
    assert role_in_state(proj, prefix) == []
    locks = list((proj.state / ".pulumi" / "locks").rglob("*.json"))
    assert bool(locks) == (how == "cli-killed"), locks

    if locks:
        proj.pulumi("cancel", "--yes")
    proj.refresh("--clear-pending-creates")
    inv, up = converges(proj, prefix)
    assert inv["roles"] == sorted(made), "a second role was made instead of adopting the first"
    assert "it is taken as created" in up, up


# ---- provider killed -----------------------------------------------------------------------


@pytest.mark.parametrize("action", ["CreateRole", "CreatePipeline", "AttachRolePolicy"])
def test_provider_killed_after_aws_made_the_resource(interrupted, proxy, action):
    """moto made the resource, its answer is held, and the provider is SIGKILLed. The
    engine records the create as failed (nothing in the state). The next up finds the
    record awsml wrote before the call, reuses the name and adopts the resource: no
    duplicate, no orphan, without any recovery step."""
    prefix = {"CreateRole": "int-kr-", "CreatePipeline": "int-kp-",
              "AttachRolePolicy": "int-ka-"}[action]
    proj, run = interrupted(prefix)
    held(proxy, action, "after")
    run.start()
    wait_held(proxy, run, action)
    os.kill(run.provider_pid(), signal.SIGKILL)
    rc, out = run.wait()
    assert rc != 0 and "exited prematurely" in out, out

    made = moto_inventory(prefix)
    kind = {"CreateRole": "roles", "CreatePipeline": "pipelines",
            "AttachRolePolicy": "attachments"}[action]
    assert len(made[kind]) == 1, made
    orphan = next(iter(made[kind]))
    dep = proj.export()["deployment"]
    assert not dep.get("pending_operations"), dep.get("pending_operations")
    assert orphan not in [r.get("id") for r in dep.get("resources") or []], \
        "Pulumi recorded the killed create after all: this test no longer covers the gap"
    records = Path(proj.env["AWSML_STATE_DIR"]) / "pending-creates"
    (rec,) = records.iterdir()
    lines = rec.read_text().splitlines()
    urn = {"CreateRole": proj.urn(ROLE, f"{prefix}role"),
           "CreatePipeline": proj.urn(PIPE, f"{prefix}pipeline"),
           "AttachRolePolicy": proj.urn(ATTACH, f"{prefix}attachment")}[action]
    assert lines[0] == "awsml-pending-create 1" and lines[2:] == [orphan, urn], lines
    # They name the user's resources (nothing secret): for the user's eyes only.
    assert records.stat().st_mode & 0o777 == 0o700 and rec.stat().st_mode & 0o777 == 0o600

    inv, up = converges(proj, prefix)
    assert orphan in inv[kind], f"{orphan} was not adopted: {inv}"
    assert "taken as" in up and "interrupted" in up, up
    assert not list(records.iterdir()), "the record outlived the create that adopted its resource"


def test_a_record_whose_create_never_reached_aws_changes_nothing(interrupted, proxy):
    """Provider killed while CreateRole is held before moto saw it: the record names a
    role that does not exist; the next up creates it under that name, adopting nothing."""
    prefix = "int-kb-"
    proj, run = interrupted(prefix)
    held(proxy, "CreateRole", "before")
    run.start()
    wait_held(proxy, run, "CreateRole")
    os.kill(run.provider_pid(), signal.SIGKILL)
    rc, out = run.wait()
    assert rc != 0, out
    assert moto_inventory(prefix)["roles"] == {}
    (rec,) = (Path(proj.env["AWSML_STATE_DIR"]) / "pending-creates").iterdir()
    name = rec.read_text().splitlines()[2]
    inv, up = converges(proj, prefix)
    assert inv["roles"] == [name]
    assert "taken as created" not in up, up

