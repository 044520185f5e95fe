"""The generated Node.js and Go SDKs, from the `make dist` outputs, run the seed program
through the awsml provider (package awsml, not the drop-in) with the real Pulumi CLI, the
Node.js and Go language hosts `make tools` builds, against moto with signature checking:
preview (the awsml tokens, 4 to create), up, a preview that must find no changes, destroy.

- TypeScript: examples/seed-ts/index.ts with only its import changed, from `@pulumi/aws`
  to `@awsml/pulumi`; @awsml/pulumi unpacked from dist/awsml-pulumi-<version>.tgz into the
  project's node_modules, beside links to make tools' pinned packages (@pulumi/pulumi,
  TypeScript, ts-node; not @pulumi/aws).
- Go: examples/seed-go/main.go with only its imports changed, from pulumi-aws's Go SDK to
  github.com/awsml/awsml/sdk/go/awsml, which go.mod takes from dist/awsml-go-sdk-v<version>
  by a replace directive; make tools' Go module and build caches, GOPROXY=off.

The dist outputs are `make dist`'s (AWSML_DIST_DIR, default <root>/dist); when they are
missing the module runs `make npm-pack go-module` itself. One stack per language."""
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import boto3
import pytest

ROOT = Path(os.environ.get("AWSML_ROOT") or Path(__file__).resolve().parents[2])
EXAMPLES = ROOT / "examples"
TOOLS = ROOT / ".tools"
DIST_DIR = Path(os.environ.get("AWSML_DIST_DIR") or ROOT / "dist")
DEFINITION = (EXAMPLES / "seed" / "my-pipeline-definition.json").read_bytes()
BUCKET = "my-model-artifacts-bucket"
PIPELINE = "MyModelTrainingPipeline"
SAGEMAKER_FULL = "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"
ROLE = "awsml:iam/role:Role"
ATTACH = "awsml:iam/rolePolicyAttachment:RolePolicyAttachment"
PIPE = "awsml:sagemaker/pipeline:Pipeline"
GO_MODULE_PATH = "github.com/awsml/awsml/sdk/go/awsml"


def _version() -> str:
    """AWSML_EXPECT_VERSION, else the Makefile's default VERSION (what `make dist` packs)."""
    if os.environ.get("AWSML_EXPECT_VERSION"):
        return os.environ["AWSML_EXPECT_VERSION"]
    m = re.search(r"^VERSION\s*\?=\s*(\S+)$", (ROOT / "Makefile").read_text(), re.M)
    assert m, "no VERSION ?= line in the Makefile"
    return m.group(1)


VERSION = _version()
NPM_TGZ = DIST_DIR / f"awsml-pulumi-{VERSION}.tgz"
GO_MODULE = DIST_DIR / f"awsml-go-sdk-v{VERSION}"


@pytest.fixture(scope="module")
def sdk_dist():
    if not (NPM_TGZ.is_file() and (GO_MODULE / "go.mod").is_file()):
        r = subprocess.run(["make", "-C", str(ROOT), "npm-pack", "go-module",
                            f"VERSION={VERSION}", f"DIST_DIR={DIST_DIR}"],
                           capture_output=True, text=True)
        assert r.returncode == 0, f"make npm-pack go-module failed:\n{r.stdout}\n{r.stderr}"
    assert NPM_TGZ.is_file(), f"no {NPM_TGZ}"
    assert (GO_MODULE / "go.mod").is_file(), f"no {GO_MODULE}/go.mod"
    return DIST_DIR


@pytest.fixture
def bucket():
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="my-pipeline-definition.json", Body=DEFINITION)
    return s3


def awsml_project(make_project, name: str, runtime_yaml: str):
    """An empty project whose Pulumi.yaml has the given runtime and the awsml plugin from
    the binary under test (make_project's plugin folder)."""
    proj = make_project("", providers=("awsml",), name=name)
    (proj.dir / "__main__.py").unlink()
    yaml = (proj.dir / "Pulumi.yaml").read_text()
    assert "runtime: python\n" in yaml, yaml
    (proj.dir / "Pulumi.yaml").write_text(yaml.replace("runtime: python\n", runtime_yaml))
    return proj


def node_modules(proj_dir: Path, tools: Path):
    """node_modules: @awsml/pulumi unpacked from the npm tarball (as `npm install` of it
    lays it out), and links to every pinned package of make tools but @pulumi/aws."""
    nm = proj_dir / "node_modules"
    nm.mkdir()
    pinned = tools / "node_modules"
    for entry in pinned.iterdir():
        if entry.name in ("@pulumi", ".bin", ".package-lock.json"):
            continue
        (nm / entry.name).symlink_to(entry)
    (nm / "@pulumi").mkdir()
    (nm / "@pulumi" / "pulumi").symlink_to(pinned / "@pulumi" / "pulumi")
    unpacked = proj_dir / ".awsml-tgz"
    unpacked.mkdir()
    subprocess.run(["tar", "-xzf", str(NPM_TGZ), "-C", str(unpacked)], check=True)
    (nm / "@awsml").mkdir()
    (unpacked / "package").rename(nm / "@awsml" / "pulumi")
    unpacked.rmdir()
    pkg = json.loads((nm / "@awsml" / "pulumi" / "package.json").read_text())
    assert pkg["name"] == "@awsml/pulumi" and pkg["version"] == VERSION, pkg


def provider_version(proj):
    """The version the program's SDK asked for, as the engine recorded it on the default provider."""
    provs = [r for r in proj.resources() if r["type"] == "pulumi:providers:awsml"]
    assert len(provs) == 1, [r["type"] for r in proj.resources()]
    return provs[0]["inputs"].get("version")


def assert_clean(result):
    """Nothing the CLI says about plugin versions, a pulumi-aws provider, or where it
    found a language host."""
    out = result.output
    assert "is expected to have version" not in out, result
    assert "from $PATH" not in out, result
    assert not re.search(r"pulumi:providers:aws\b|\baws:(iam|sagemaker)/", out), result


def run_seed(proj, bucket):
    """The walk: preview (awsml tokens, 4 to create), up, moto checked, a preview that
    must find no changes, destroy, nothing left."""
    iam, sm = boto3.client("iam"), boto3.client("sagemaker")

    pv = proj.preview()
    assert_clean(pv)
    for t, n in ((ROLE, "SageMakerRole"), (ATTACH, "SageMakerPolicyAttachment"),
                 (PIPE, "SageMakerPipeline")):
        assert re.search(rf"^\s*\+ {re.escape(t)}: \(create\)$", pv.stdout, re.M), pv
        assert f"[urn={proj.urn(t, n)}]" in pv.stdout, pv
    assert re.search(r"^\s*\+ 4 to create$", pv.stdout, re.M), pv

    assert_clean(proj.up())
    assert provider_version(proj) == VERSION
    name = proj.resource(ROLE, "SageMakerRole")["id"]
    assert re.fullmatch(r"SageMakerRole-[0-9a-f]{7}", name), name
    role = iam.get_role(RoleName=name)["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "sagemaker.amazonaws.com"}
    attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    assert [a["PolicyArn"] for a in attached] == [SAGEMAKER_FULL]
    assert proj.resource(ATTACH, "SageMakerPolicyAttachment")["id"] == f"{name}/{SAGEMAKER_FULL}"
    p = sm.describe_pipeline(PipelineName=PIPELINE)
    assert p["RoleArn"] == role["Arn"]
    assert p["PipelineDisplayName"] == PIPELINE
    assert p["PipelineDescription"] == "Pipeline for training and deploying ML model"
    assert proj.outputs() == {"sagemaker_pipeline_arn": p["PipelineArn"]}

    again = proj.preview("--expect-no-changes")
    assert_clean(again)
    assert re.search(r"^\s*4 unchanged$", again.stdout, re.M), again

    proj.destroy()
    left = [s["PipelineName"] for s in sm.list_pipelines()["PipelineSummaries"]]
    assert PIPELINE not in left, left
    assert not [r for r in iam.list_roles()["Roles"] if r["RoleName"].startswith("SageMakerRole")]
    assert proj.resources(ROLE) == []


def test_seed_in_typescript_with_awsml_pulumi(make_project, sdk_dist, toolchain, bucket):
    src = EXAMPLES / "seed-ts"
    original = (src / "index.ts").read_text()
    old = 'import * as aws from "@pulumi/aws";\n'
    assert original.count(old) == 1, "examples/seed-ts/index.ts's import line changed"
    proj = awsml_project(make_project, "seedts-awsml",
                         "runtime:\n  name: nodejs\n  options:\n    typescript: true\n")
    (proj.dir / "index.ts").write_text(original.replace(old, 'import * as aws from "@awsml/pulumi";\n'))
    shutil.copy(src / "tsconfig.json", proj.dir / "tsconfig.json")
    pkg = json.loads((src / "package.json").read_text())
    deps = pkg["dependencies"]
    assert "@pulumi/aws" in deps, deps
    del deps["@pulumi/aws"]
    deps["@awsml/pulumi"] = f"file:{NPM_TGZ}"  # what `npm install <tarball>` records
    pkg["name"] = "seedts-awsml"
    (proj.dir / "package.json").write_text(json.dumps(pkg, indent=2) + "\n")
    node_modules(proj.dir, toolchain)
    run_seed(proj, bucket)


def test_seed_in_go_with_the_awsml_go_sdk(make_project, sdk_dist, toolchain, bucket):
    src = EXAMPLES / "seed-go"
    original = (src / "main.go").read_text()
    old = "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/"
    assert original.count(old) == 2, "examples/seed-go/main.go's imports changed"
    proj = awsml_project(make_project, "seedgo-awsml", "runtime: go\n")
    (proj.dir / "main.go").write_text(original.replace(old, GO_MODULE_PATH + "/"))
    # The program's go.mod: examples/seed-go's Pulumi SDK, the awsml module from the dist
    # folder; its go.sum is the module's (the same Pulumi SDK closure).
    gomod = (src / "go.mod").read_text()
    sdk = re.search(r"^\s*github\.com/pulumi/pulumi/sdk/v3 (v\S+)$", gomod, re.M).group(1)
    gover = re.search(r"^go (\S+)$", gomod, re.M).group(1)
    (proj.dir / "go.mod").write_text(
        f"module seedgo-awsml\n\ngo {gover}\n\nrequire (\n"
        f"\t{GO_MODULE_PATH} v{VERSION}\n\tgithub.com/pulumi/pulumi/sdk/v3 {sdk}\n)\n\n"
        f"replace {GO_MODULE_PATH} => {GO_MODULE.resolve()}\n")
    shutil.copy(GO_MODULE / "go.sum", proj.dir / "go.sum")
    gocache = toolchain / "go"
    proj.env.update(GOMODCACHE=str(gocache / "mod"), GOCACHE=str(gocache / "build"),
                    GOFLAGS="-mod=mod -buildvcs=false", GOPROXY="off", GOTOOLCHAIN="local")
    proj.env["PATH"] = proj.env.get("PATH", "") + os.pathsep + "/usr/local/go/bin"
    run_seed(proj, bucket)
