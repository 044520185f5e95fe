"""`make install` puts the release tarball into the plugin cache, and a program whose
Pulumi.yaml names no plugin path finds awsml there, by the version its resources ask for.

Runs inside scripts/with-moto. The tarball comes from `make dist` (the Makefile's
test-e2e builds it; when missing, this module runs `make dist` itself). Each test has a
fresh PULUMI_HOME of its own, so nothing else can supply the plugin. Environment:
AWSML_EXPECT_VERSION (the Makefile's VERSION; default 0.1.0)."""

import json
import os
import re
import shutil
import subprocess

import boto3
import grpc
import pytest

from conftest import REPO, STACK

VERSION = os.environ.get("AWSML_EXPECT_VERSION", "0.1.0")
TARBALL = REPO / "dist" / f"pulumi-resource-awsml-v{VERSION}-linux-amd64.tar.gz"
ROLE = "awsml:iam/role:Role"

PROGRAM = """
import json
import pulumi

role = pulumi.CustomResource(
    "awsml:iam/role:Role", "installed",
    {{
        "assumeRolePolicy": json.dumps({{
            "Version": "2012-10-17",
            "Statement": [{{"Effect": "Allow", "Action": "sts:AssumeRole",
                            "Principal": {{"Service": "sagemaker.amazonaws.com"}}}}],
        }}),
        "name": "awsml-installed-{suffix}",
        "arn": None,
    }},
    opts=pulumi.ResourceOptions(version="{version}"))
pulumi.export("arn", role.arn)
"""


@pytest.fixture(scope="module")
def tarball():
    if not TARBALL.is_file():
        subprocess.run(["make", "-C", str(REPO), "dist", f"VERSION={VERSION}"], check=True)
    assert TARBALL.is_file(), f"make dist did not write {TARBALL}"
    return TARBALL


@pytest.fixture
def pulumi_home(tmp_path):
    home = tmp_path / "pulumi-home"
    home.mkdir()
    return home


def cache_only_project(make_project, home, suffix):
    """A project whose Pulumi.yaml has no plugins section, run with PULUMI_HOME=home and
    a PATH on which no pulumi-resource-awsml can be found."""
    proj = make_project(PROGRAM.format(version=VERSION, suffix=suffix), providers=())
    assert "plugins" not in (proj.dir / "Pulumi.yaml").read_text()
    proj.env["PULUMI_HOME"] = str(home)
    proj.env["PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION"] = "true"
    assert shutil.which("pulumi-resource-awsml", path=proj.env.get("PATH", "")) is None, \
        "a pulumi-resource-awsml on PATH would hide where the plugin comes from"
    # `stack init` ran with the suite's PULUMI_HOME; the stack lives in the project's own
    # file backend, but which stack is selected is recorded under PULUMI_HOME.
    proj.pulumi("stack", "select", STACK)
    return proj


def make_install(home, tarball):
    env = dict(os.environ, PULUMI_HOME=str(home))
    r = subprocess.run(["make", "-s", "-C", str(REPO), "install", f"VERSION={VERSION}"],
                       env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"make install failed:\n{r.stdout}\n{r.stderr}"
    return r


def test_make_install_puts_the_plugin_in_the_cache(tarball, pulumi_home):
    make_install(pulumi_home, tarball)
    d = pulumi_home / "plugins" / f"resource-awsml-v{VERSION}"
    exe = d / "pulumi-resource-awsml"
    assert exe.is_file() and os.access(exe, os.X_OK), sorted(p.name for p in d.iterdir())
    assert not (d / "PulumiPlugin.yaml").exists()
    # The policy pack comes along, ready for --policy-pack.
    pack = d / "pulumi-analyzer-awsml"
    assert pack.is_file() and os.access(pack, os.X_OK), sorted(p.name for p in d.iterdir())
    assert pack.is_symlink() and os.readlink(pack) == "pulumi-resource-awsml"
    assert (d / "PulumiPolicy.yaml").is_file()
    # Started by the link's path it serves the Analyzer service, not the provider.
    proc = subprocess.Popen([str(pack)], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        port = int(proc.stdout.readline())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
            info = ch.unary_unary("/pulumirpc.Analyzer/GetAnalyzerInfo")(b"", timeout=10)
        assert b"awsml" in info and b"AWSML-IAM-001" in info, info[:200]
    finally:
        proc.terminate()
        assert proc.wait(15) == 0

    ls = subprocess.run(["pulumi", "plugin", "ls", "--json"], capture_output=True, text=True,
                        env=dict(os.environ, PULUMI_HOME=str(pulumi_home)), timeout=60)
    assert ls.returncode == 0, ls.stderr
    plugins = json.loads(ls.stdout)
    assert any(p["name"] == "awsml" and p["kind"] == "resource" and p["version"] == VERSION
               for p in plugins), plugins

    # Installing again is harmless (make install reinstalls).
    make_install(pulumi_home, tarball)
    assert exe.is_file()


def test_program_finds_the_plugin_through_the_cache(tarball, pulumi_home, make_project):
    # Without the install the engine has nowhere to get awsml from: the program fails.
    proj = cache_only_project(make_project, pulumi_home, "a")
    pv = proj.preview(check=False)
    assert pv.returncode != 0, f"awsml was found although nothing installed it:\n{pv!r}"
    assert re.search(r"pulumi-resource-awsml'? .*v" + re.escape(VERSION), pv.output), pv

    make_install(pulumi_home, tarball)
    exe = pulumi_home / "plugins" / f"resource-awsml-v{VERSION}" / "pulumi-resource-awsml"

    # The preview plans the create, and the engine's log shows which binary it started.
    pv = proj.preview("--logtostderr", "-v=9")
    assert re.search(rf"^\s*\+ {re.escape(ROLE)}: \(create\)$", pv.stdout, re.M), pv
    started = set(re.findall(r"(/[^\s'\"\\]*/pulumi-resource-awsml)(?![\w.-])", pv.stderr))
    assert started, f"the engine log names no awsml binary:\n{pv.stderr[-4000:]}"
    assert {os.path.realpath(p) for p in started} == {os.path.realpath(exe)}, started

    # And it works end to end against moto, then cleans up.
    proj.up()
    arn = proj.outputs()["arn"]
    assert arn.endswith(":role/awsml-installed-a"), arn
    st = proj.resource(ROLE, "installed")
    assert st["provider"].startswith(proj.urn_prefix + "pulumi:providers:awsml::")
    proj.destroy()
    assert proj.resources(ROLE) == []


DROPIN_PROGRAM = """
import json
import pulumi_aws as aws

role = aws.iam.Role("r", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                   "Principal": {"Service": "sagemaker.amazonaws.com"}}]}))
"""


@pytest.fixture(scope="module")
def dropin_dir():
    """The folder `make` lays out for pulumi_aws programs (make dropin)."""
    d = REPO / "build" / "dropin"
    subprocess.run(["make", "-s", "-C", str(REPO), "dropin"], check=True)
    exe = d / "pulumi-resource-aws"
    assert exe.is_file() and os.access(exe, os.X_OK), f"make dropin did not lay out {exe}"
    return d


def dropin_project(make_project, dropin_dir, program):
    proj = make_project(program, providers=("aws",), name="dropin")
    (proj.dir / "Pulumi.yaml").write_text(
        "name: dropin\nruntime: python\nplugins:\n  providers:\n"
        f"    - name: aws\n      path: {dropin_dir}\n")
    proj.config_set("aws:region", os.environ.get("AWS_REGION", "us-east-1"))
    return proj


def test_dropin_folder_serves_pulumi_aws_programs(make_project, dropin_dir):
    proj = dropin_project(make_project, dropin_dir, DROPIN_PROGRAM)
    pv = proj.preview("--logtostderr", "-v=9")
    assert re.search(r"^\s*\+ aws:iam/role:Role: \(create\)$", pv.stdout, re.M), pv
    assert re.search(r"\[provider=urn:pulumi:dev::dropin::pulumi:providers:aws::", pv.stdout), pv
    started = set(re.findall(r"(/[^\s'\"\\]*/pulumi-resource-aws)(?![\w.-])", pv.stderr))
    exe = os.path.realpath(dropin_dir / "pulumi-resource-aws")
    assert {os.path.realpath(p) for p in started} == {exe}, started
    # The plugin reports the pulumi-aws version it mirrors (7.51.1+awsml.<VERSION>), which
    # is what pulumi_aws asks for: the engine has no version to warn about.
    assert "is expected to have version" not in pv.output, pv


def test_seed_preview_through_the_dropin_has_no_version_warning(make_project, dropin_dir):
    """The seed's program (import pulumi_aws, which asks for the aws plugin at its own
    version) previews through the drop-in folder without the engine's warning that the
    plugin is older than that."""
    seed = (REPO / "examples" / "seed" / "__main__.py").read_text()
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="my-model-artifacts-bucket")
    s3.put_object(Bucket="my-model-artifacts-bucket", Key="my-pipeline-definition.json",
                  Body=(REPO / "examples" / "seed" / "my-pipeline-definition.json").read_bytes())
    proj = dropin_project(make_project, dropin_dir, seed)
    pv = proj.preview()
    assert re.search(r"^\s*\+ 4 to create$", pv.stdout, re.M), pv
    assert "is expected to have version" not in pv.output, pv


def test_dropin_names_the_resource_type_it_does_not_implement(make_project, dropin_dir):
    proj = dropin_project(make_project, dropin_dir,
                          DROPIN_PROGRAM + '\ntopic = aws.sns.Topic("t")\n')
    pv = proj.preview(check=False)
    assert pv.returncode != 0, pv
    assert re.search(r"awsml does not implement resource type 'aws:sns/topic:Topic'", pv.output), pv
