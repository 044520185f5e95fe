"""End-to-end fixtures: the real Pulumi CLI and Python language host drive the
plugin, which talks to a moto server that checks SigV4 signatures.

The suite runs inside scripts/with-moto (`make test-e2e` does that), which
provides moto, AWS credentials and endpoints, PATH with the pinned CLI and a
local backend. Each project below also gets its own file backend, so tests do
not see each other's stacks.

Environment:
  AWSML_BIN   the plugin binary (default <repo>/build/test/pulumi-resource-awsml,
              built by `make build/test/pulumi-resource-awsml`)
  AWSML_E2E_TIMEOUT  seconds one pulumi command may take (default 300)
"""

import json
import os
import re
import shutil
import signal
import subprocess
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEFAULT_BIN = REPO / "build" / "test" / "pulumi-resource-awsml"
TIMEOUT = float(os.environ.get("AWSML_E2E_TIMEOUT", "300"))
STACK = "dev"

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def pytest_configure(config):
    missing = [v for v in ("AWSML_WITH_MOTO", "MOTO_ENDPOINT", "AWS_ACCESS_KEY_ID",
                           "PULUMI_BACKEND_URL") if not os.environ.get(v)]
    if missing:
        raise pytest.UsageError(
            "tests/e2e must run inside scripts/with-moto (missing " + ", ".join(missing) + "): "
            "use `make test-e2e`, or `scripts/with-moto .tools/venv/bin/python -m pytest tests/e2e`")


class CommandFailed(AssertionError):
    pass


class Result:
    def __init__(self, args, returncode, stdout, stderr):
        self.args = args
        self.returncode = returncode
        self.stdout = _ANSI.sub("", stdout)
        self.stderr = _ANSI.sub("", stderr)

    @property
    def output(self):
        return self.stdout + self.stderr

    def __repr__(self):
        return (f"$ {' '.join(self.args)}\n[exit {self.returncode}]\n"
                f"--- stdout ---\n{self.stdout}\n--- stderr ---\n{self.stderr}")


class Project:
    """A Pulumi project in a temp dir with one stack on its own file backend."""

    def __init__(self, root: Path, name: str, plugin_dir: Path, program: str,
                 providers=("awsml",), extra_yaml: str = ""):
        self.dir = root / "project"
        self.state = root / "state"
        self.name = name
        self.dir.mkdir(parents=True)
        self.state.mkdir()
        plugins = "".join(f"    - name: {p}\n      path: {plugin_dir}\n" for p in providers)
        (self.dir / "Pulumi.yaml").write_text(
            f"name: {name}\n"
            "runtime: python\n"
            + (f"plugins:\n  providers:\n{plugins}" if providers else "")
            + extra_yaml)
        self.set_program(program)
        self.env = dict(os.environ)
        self.env["PULUMI_BACKEND_URL"] = f"file://{self.state}"
        self.env["PYTHONDONTWRITEBYTECODE"] = "1"
        self.urn_prefix = f"urn:pulumi:{STACK}::{name}::"
        self.pulumi("stack", "init", STACK)

    # ---- program ---------------------------------------------------------------
    def set_program(self, program: str):
        (self.dir / "__main__.py").write_text(textwrap.dedent(program).lstrip())

    def urn(self, type_token: str, name: str) -> str:
        return f"{self.urn_prefix}{type_token}::{name}"

    # ---- CLI ---------------------------------------------------------------------
    def pulumi(self, *args, check=True, timeout=TIMEOUT) -> Result:
        argv = ["pulumi", *args, "--non-interactive", "--color", "never"]
        p = subprocess.Popen(argv, cwd=self.dir, env=self.env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            stdout, stderr = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            # SIGINT first: the CLI cancels and shuts its plugins down (they run in
            # process groups of their own, so killing the CLI alone would orphan them).
            p.send_signal(signal.SIGINT)
            try:
                stdout, stderr = p.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                stdout, stderr = p.communicate()
            raise CommandFailed(f"timed out after {timeout} s:\n"
                                f"{Result(argv, p.returncode, stdout, stderr)!r}") from None
        r = Result(argv, p.returncode, stdout, stderr)
        if check and r.returncode != 0:
            raise CommandFailed(f"pulumi command failed:\n{r!r}")
        return r

    def preview(self, *args, **kw) -> Result:
        return self.pulumi("preview", "--diff", *args, **kw)

    def up(self, *args, **kw) -> Result:
        return self.pulumi("up", "--yes", "--skip-preview", *args, **kw)

    def refresh(self, *args, **kw) -> Result:
        return self.pulumi("refresh", "--yes", "--skip-preview", *args, **kw)

    def destroy(self, *args, **kw) -> Result:
        return self.pulumi("destroy", "--yes", "--skip-preview", *args, **kw)

    def import_(self, type_token: str, name: str, resource_id: str, *args,
                generate_code=True, **kw) -> Result:
        """`pulumi import TYPE NAME ID`, unprotected (so destroy works). The generated
        code (which needs the type in the plugin's schema) goes to self.imported_code(name)."""
        gen = ["--out", str(self.imported_code(name))] if generate_code else ["--generate-code=false"]
        return self.pulumi("import", type_token, name, resource_id, "--yes", "--skip-preview",
                           "--protect=false", *gen, *args, **kw)

    def imported_code(self, name: str) -> Path:
        return self.dir / f"imported-{name}.py"

    def config_set(self, key: str, value: str, secret=False):
        self.pulumi("config", "set", key, value, *(["--secret"] if secret else ["--plaintext"]))

    def outputs(self) -> dict:
        return json.loads(self.pulumi("stack", "output", "--json", "--show-secrets").stdout)

    def export(self) -> dict:
        return json.loads(self.pulumi("stack", "export", "--show-secrets").stdout)

    def resources(self, type_token=None) -> list:
        """The stack's resources from `pulumi stack export`, optionally of one type."""
        rs = self.export().get("deployment", {}).get("resources") or []
        return [r for r in rs if type_token is None or r.get("type") == type_token]

    def resource(self, type_token: str, name: str) -> dict:
        urn = self.urn(type_token, name)
        found = [r for r in self.resources() if r.get("urn") == urn]
        assert len(found) == 1, f"{urn} not exactly once in state: {[r.get('urn') for r in self.resources()]}"
        return found[0]

    def cleanup(self):
        """Best effort: destroy what the test left behind so moto stays tidy."""
        try:
            if any(not r.get("type", "").startswith("pulumi:") for r in self.resources()):
                self.pulumi("state", "unprotect", "--all", "--yes", check=False)
                self.destroy(check=False)
        except Exception:  # noqa: BLE001 - cleanup must never mask the test's result
            pass


@pytest.fixture(scope="session")
def awsml_bin() -> Path:
    p = Path(os.environ.get("AWSML_BIN") or DEFAULT_BIN).resolve()
    if not (p.is_file() and os.access(p, os.X_OK)):
        pytest.fail(f"plugin binary {p} is missing: build it with "
                    "`make build/test/pulumi-resource-awsml` or set AWSML_BIN", pytrace=False)
    return p


@pytest.fixture(scope="session")
def plugin_dir(awsml_bin, tmp_path_factory) -> Path:
    """A folder holding pulumi-resource-awsml and pulumi-resource-aws, both links to the
    binary under test (the name it is started by tells it which package it serves)."""
    d = tmp_path_factory.mktemp("plugins")
    for pkg in ("awsml", "aws"):
        (d / f"pulumi-resource-{pkg}").symlink_to(awsml_bin)
    return d


@pytest.fixture(scope="session")
def pulumi_cli() -> str:
    exe = shutil.which("pulumi")
    if exe is None:
        pytest.fail("no `pulumi` on PATH: run `make tools` and run the suite through scripts/with-moto",
                    pytrace=False)
    return exe


@pytest.fixture(scope="session")
def toolchain() -> Path:
    """The pieces `make tools` installs for Node.js and Go programs (test_languages,
    test_awsml_sdks): the language hosts beside the CLI, the pinned Node packages and
    the Go module cache. The resolved .tools folder."""
    tools = REPO / ".tools"
    want = {
        "pulumi-language-nodejs": tools / "bin" / "pulumi-language-nodejs",
        "pulumi-language-go": tools / "bin" / "pulumi-language-go",
        "Node packages": tools / "node_modules" / "@pulumi" / "pulumi" / "package.json",
        "@pulumi/aws": tools / "node_modules" / "@pulumi" / "aws" / "package.json",
        "Go modules": tools / "go" / "mod",
    }
    missing = [f"{k} ({v})" for k, v in want.items() if not v.exists()]
    if missing:
        pytest.fail("not installed: " + ", ".join(missing) + ": run `make tools`", pytrace=False)
    if shutil.which("node") is None:
        pytest.fail("no `node` on PATH", pytrace=False)
    # Where tools.sh also looks for go (the official tarball's place).
    if shutil.which("go") is None and shutil.which("go", path="/usr/local/go/bin") is None:
        pytest.fail("no `go` on PATH or in /usr/local/go/bin", pytrace=False)
    return tools.resolve()


@pytest.fixture
def make_project(tmp_path, plugin_dir, pulumi_cli):
    """make_project(program, providers=("awsml",), name="e2e") -> Project.

    `providers` lists the packages whose plugin is taken from the binary under test:
    add "aws" for programs that use pulumi_aws or aws:* tokens."""
    made = []

    def make(program: str, providers=("awsml",), name="e2e", extra_yaml=""):
        root = tmp_path / f"p{len(made)}"
        root.mkdir()
        proj = Project(root, name, plugin_dir, program, providers=providers, extra_yaml=extra_yaml)
        made.append(proj)
        return proj

    yield make
    for proj in made:
        proj.cleanup()


@pytest.fixture(scope="session")
def moto_endpoint() -> str:
    return os.environ["MOTO_ENDPOINT"]
