"""The release tarball of `make dist`: its layout, and a binary that needs no shared
library but glibc's: gRPC core, abseil, upb, re2, c-ares, protobuf-c, cJSON, expat, zlib,
libcurl and OpenSSL are all linked in. It boots, and talks TLS with the CA defaults
Debian's libcurl has, in a root file system holding nothing but glibc.

The tarball comes from `make dist` (the Makefile's test-integration builds it; when it
is missing this module runs `make dist` itself). Environment: AWSML_ROOT,
AWSML_EXPECT_VERSION (the Makefile's VERSION; default 0.1.0), AWSML_DIST_DIR (where
`make dist` wrote the tarball; default <root>/dist)."""
import contextlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tarfile
import threading

import grpc
import pytest
from google.protobuf import empty_pb2

from conftest import ROOT, SANITIZED, struct

VERSION = os.environ.get("AWSML_EXPECT_VERSION", "0.1.0")
DIST_DIR = pathlib.Path(os.environ.get("AWSML_DIST_DIR", ROOT / "dist"))
TARBALL = DIST_DIR / f"pulumi-resource-awsml-v{VERSION}-linux-amd64.tar.gz"
MEMBERS = {"pulumi-resource-awsml", "pulumi-analyzer-awsml", "PulumiPolicy.yaml", "README.md",
           "LICENSE", "THIRD-PARTY-NOTICES"}

# The only shared libraries the release binary may load: glibc's pieces.
GLIBC = re.compile(
    r"^(libc|libm|libpthread|libdl|librt|libresolv|ld-linux-x86-64)\.so(\.[0-9]+)*$")
# What must be linked in (a few by name, for a clearer message; GLIBC decides).
FORBIDDEN = re.compile(
    r"^lib(grpc|gpr|absl|upb|re2|cares|address_sorting|protobuf-c|protobuf|cjson|expat|z|"
    r"curl|ssl|crypto|nghttp2|idn2|psl|ssh2|rtmp|gssapi|krb5|ldap|lber|brotli|zstd|"
    r"stdc\+\+|gcc_s|atomic)[._-]")
FAULT_SERVER = ROOT / "tests" / "support" / "fault_server.py"
BUILD = pathlib.Path(os.environ.get("AWSML_BUILD", ROOT / "build"))

# The release binary is no sanitizer build: `make test-sanitize` leaves this file out.


@pytest.fixture(scope="module")
def tarball() -> pathlib.Path:
    if not TARBALL.is_file():
        subprocess.run(["make", "-C", str(ROOT), "dist", f"VERSION={VERSION}",
                        f"DIST_DIR={DIST_DIR}"], check=True)
    assert TARBALL.is_file(), f"make dist did not write {TARBALL}"
    return TARBALL


@pytest.fixture(scope="module")
def unpacked(tarball, tmp_path_factory) -> pathlib.Path:
    d = tmp_path_factory.mktemp("dist")
    subprocess.run(["tar", "-xzf", str(tarball), "-C", str(d)], check=True)
    return d


@pytest.fixture(scope="module")
def release_bin(unpacked) -> pathlib.Path:
    return unpacked / "pulumi-resource-awsml"


def needed(path: pathlib.Path) -> list:
    out = subprocess.run(["readelf", "-d", str(path)], check=True, capture_output=True,
                         text=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def closure(path: pathlib.Path) -> dict:
    """ldd's view: every shared object the loader maps for `path`, name -> file."""
    out = subprocess.run(["ldd", str(path)], check=True, capture_output=True, text=True).stdout
    libs = {}
    for line in out.splitlines():
        m = re.match(r"\s*(\S+)\s+=>\s+(\S+)", line) or re.match(r"\s*(/\S+)\s+\(", line)
        if not m:
            continue
        if "not found" in line:
            raise AssertionError(f"ldd: {line.strip()}")
        name, target = (m.group(1), m.group(2)) if m.lastindex == 2 else (
            os.path.basename(m.group(1)), m.group(1))
        libs[name] = target
    return libs


def test_tarball_layout(tarball):
    assert re.fullmatch(r"pulumi-resource-awsml-v[0-9][^/]*-linux-amd64\.tar\.gz", tarball.name)
    with tarfile.open(tarball) as tf:
        members = {m.name: m for m in tf.getmembers()}
        assert set(members) == MEMBERS, \
            "binary, policy pack, PulumiPolicy.yaml, README.md, LICENSE, notices at the root"
        b = members["pulumi-resource-awsml"]
        assert b.isfile() and b.mode & 0o111 == 0o111, "the plugin must be executable"
        # The pack is the same binary under its own name: a relative link, not a second copy.
        pack = members.pop("pulumi-analyzer-awsml")
        assert pack.issym() and pack.linkname == "pulumi-resource-awsml", \
            (pack.type, pack.linkname)
        assert pack.uid == 0 and pack.gid == 0
        yaml = tf.extractfile("PulumiPolicy.yaml").read().decode()
        assert re.search(rf"^version: {re.escape(VERSION)}$", yaml, re.M), yaml
        assert re.search(r"^runtime: \S+$", yaml, re.M) and "description: " in yaml, yaml
        assert all(m.isfile() and m.uid == 0 and m.gid == 0 for m in members.values())
        lic = tf.extractfile("LICENSE").read().decode()
        assert "Apache License" in lic and "Version 2.0, January 2004" in lic
        notices = tf.extractfile("THIRD-PARTY-NOTICES").read().decode()
        for lib in ("libgrpc-dev", "libabsl-dev", "libre2-dev", "libc-ares-dev",
                    "libprotobuf-c-dev", "libssl-dev", "cJSON", "curl"):
            assert re.search(rf"^{re.escape(lib)} \S", notices, re.M), \
                f"no license notice for {lib}"
        # curl's own license text, from the source it was built from.
        assert "COPYRIGHT AND PERMISSION NOTICE" in notices and "Daniel Stenberg" in notices
        assert "Only glibc is used as a shared library" in notices


def test_direct_dependencies_are_only_glibc(release_bin):
    deps = needed(release_bin)
    assert deps, "readelf found no NEEDED entries: not a dynamic executable?"
    bad = [d for d in deps if not GLIBC.match(d)]
    assert not bad, f"unexpected direct dependencies {bad} (all: {deps})"
    assert "libc.so.6" in deps


def test_the_loader_maps_nothing_but_glibc(release_bin):
    libs = closure(release_bin)
    assert any(n == "libc.so.6" for n in libs), libs
    bad = sorted(n for n in libs if FORBIDDEN.match(n) or not GLIBC.match(n))
    assert not bad, f"{bad} are loaded at run time; they must be linked statically"


def test_curl_and_openssl_are_linked_in(release_bin):
    """libcurl's and OpenSSL's code is in the binary itself (the static libcurl hides its
    symbols, hence local ones count), with Debian's CA bundle default compiled in."""
    data = release_bin.read_bytes()
    assert b"OpenSSL 3." in data, "no OpenSSL version string"
    assert b"/etc/ssl/certs/ca-certificates.crt" in data, "Debian's CA bundle default"
    syms = subprocess.run(["nm", "--defined-only", str(release_bin)], check=True,
                          capture_output=True, text=True).stdout
    for sym in ("curl_easy_init", "curl_multi_perform", "curl_share_init", "SSL_CTX_new",
                "EVP_DigestInit_ex"):
        assert re.search(rf" [TtWw] {sym}$", syms, re.M), f"{sym} is not defined in the binary"


def _run_in_root(root: pathlib.Path):
    """argv that runs /pulumi-resource-awsml with `root` as /, or None if this host
    allows no chroot (not root and no unprivileged user namespaces)."""
    chroot = shutil.which("chroot") or "/usr/sbin/chroot"
    cands = []
    if os.geteuid() == 0:
        cands.append([chroot, str(root)])
    if shutil.which("unshare"):
        cands.append(["unshare", "--user", "--map-root-user", chroot, str(root)])
    for pre in cands:
        if subprocess.run(pre + ["/bin/true"], capture_output=True).returncode == 0:
            return pre + ["/pulumi-resource-awsml"]
    return None


def make_root(release_bin: pathlib.Path, root: pathlib.Path) -> pathlib.Path:
    """A root file system holding the binary, what the loader maps for it (glibc, checked
    above) and /bin/true (the probe of _run_in_root), nothing else."""
    root.mkdir()
    shutil.copy2(release_bin, root / "pulumi-resource-awsml")
    (root / "bin").mkdir()
    shutil.copy2("/bin/true", root / "bin" / "true")
    for exe in (release_bin, pathlib.Path("/bin/true")):
        for name, target in closure(exe).items():
            assert GLIBC.match(name), name
            dest = root / target.lstrip("/")
            if not dest.exists():
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(os.path.realpath(target), dest)
    present = sorted(p.name for p in root.rglob("*.so*"))
    assert present and all(GLIBC.match(p) for p in present), present
    return root


@contextlib.contextmanager
def plugin_in_root(root: pathlib.Path):
    """Runs /pulumi-resource-awsml with `root` as / and an environment of PATH only;
    yields (process, port); stops it with SIGTERM and checks it exits 0."""
    argv = _run_in_root(root)
    assert argv is not None, ("cannot chroot here (not root, no unprivileged user namespaces): "
                              "run the suite as root or where user namespaces are allowed")
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={"PATH": "/"})
    try:
        box = {}
        t = threading.Thread(target=lambda: box.update(line=proc.stdout.readline()), daemon=True)
        t.start()
        t.join(15)
        if not re.fullmatch(rb"[0-9]+\n", box.get("line", b"")):
            proc.kill()
            _, err = proc.communicate(timeout=10)
            raise AssertionError(f"no port line: {box.get('line')!r}; stderr:\n"
                                 f"{err.decode(errors='replace')}")
        yield proc, int(box["line"])
    finally:
        if proc.poll() is None:
            proc.terminate()
        try:
            rc = proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise AssertionError("the plugin did not exit within 15 s of SIGTERM")
    assert rc == 0, f"exit status {rc}: {proc.stderr.read().decode(errors='replace')}"


def test_boots_and_serves_with_only_glibc_present(release_bin, tmp_path, pb):
    """A root file system holding the binary and glibc, nothing else: the plugin boots,
    prints its port and answers GetPluginInfo."""
    root = make_root(release_bin, tmp_path / "root")
    with plugin_in_root(root) as (_, port):
        with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
            info = pb.provider_grpc.ResourceProviderStub(ch).GetPluginInfo(
                empty_pb2.Empty(), timeout=10)
        assert info.version == VERSION


def test_the_shipped_policy_pack_serves_the_analyzer(unpacked, pb):
    """pulumi-analyzer-awsml from the tarball answers as the policy pack awsml."""
    proc = subprocess.Popen([str(unpacked / "pulumi-analyzer-awsml")], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        port = int(proc.stdout.readline())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
            info = pb.analyzer_grpc.AnalyzerStub(ch).GetAnalyzerInfo(empty_pb2.Empty(), timeout=10)
        assert (info.name, info.version) == ("awsml", VERSION) and len(info.policies) > 20
    finally:
        proc.terminate()
        assert proc.wait(15) == 0


@pytest.fixture
def tls_server():
    """tests/support/fault_server.py with --tls: (HTTPS port, its self-signed CA file)."""
    proc = subprocess.Popen([sys.executable, str(FAULT_SERVER), "--tls"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        proc.stdout.readline()  # the plain HTTP port
        tag, port, cert = proc.stdout.readline().split()
        assert tag == "tls"
        yield int(port), pathlib.Path(cert)
    finally:
        proc.stdin.close()  # it exits when stdin closes
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def configure_over_tls(pb, port, tls_port, **extra):
    """Configure against an STS endpoint on the TLS fault server that answers 403:
    the grpc.RpcError Configure fails with (the STS call is the credentials check)."""
    P = pb.provider
    cfg = {"region": "us-east-1", "accessKey": "AKIDRELEASETLSTEST", "secretKey": "not-secret",
           "maxRetries": "0",
           "endpoints": json.dumps([{"sts": f"https://127.0.0.1:{tls_port}/status/403"}]),
           **extra}
    with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
        stub = pb.provider_grpc.ResourceProviderStub(ch)
        with pytest.raises(grpc.RpcError) as e:
            stub.Configure(P.ConfigureRequest(args=struct(pb, cfg)), timeout=60)
    return e.value


def test_tls_with_the_static_curl_and_openssl(release_bin, tmp_path, pb, tls_server):
    """HTTPS from the bare root: the built-in libcurl and OpenSSL complete the handshake
    and the exchange (the server's 403 comes back) with customCaBundle; without it they
    use Debian's default CA bundle, /etc/ssl/certs/ca-certificates.crt, and refuse a
    certificate no CA there signed."""
    tls_port, cert = tls_server
    root = make_root(release_bin, tmp_path / "root")
    shutil.copy2(cert, root / "private-ca.pem")
    certs = root / "etc" / "ssl" / "certs"
    certs.mkdir(parents=True)
    bundle = certs / "ca-certificates.crt"
    with plugin_in_root(root) as (_, port):
        # 1. customCaBundle (a path inside the root).
        e = configure_over_tls(pb, port, tls_port, customCaBundle="/private-ca.pem")
        assert "HTTP 403" in e.details() and "FaultStatus" in e.details(), e.details()
        # 2. The host's public CA bundle at the default place: the self-signed
        #    certificate is refused, and the error says why.
        shutil.copy2(os.path.realpath("/etc/ssl/certs/ca-certificates.crt"), bundle)
        e = configure_over_tls(pb, port, tls_port)
        assert e.code() == grpc.StatusCode.UNAVAILABLE, e.details()
        assert "certificate verification failed" in e.details(), e.details()
        assert "self-signed certificate" in e.details(), e.details()
        # 3. The server's CA added to the default bundle: trusted with no setting.
        with open(bundle, "a") as f:
            f.write("\n" + cert.read_text())
        e = configure_over_tls(pb, port, tls_port)
        assert "HTTP 403" in e.details() and "FaultStatus" in e.details(), e.details()


@pytest.mark.parametrize("suite", ["test_http", "test_client", "test_credentials"])
def test_unit_suites_pass_on_the_static_libcurl(suite):
    """The unit suites that drive libcurl (TLS, customCaBundle, proxies, timeouts, resets,
    cancellation, keep-alive shared between threads, credential endpoints), linked like
    the release binary (`make dist-unit`), pass on the libcurl scripts/dist.sh builds."""
    exe = BUILD / "dist" / "unit" / suite
    subprocess.run(["make", "-C", str(ROOT), f"BUILD={BUILD}", str(exe)], check=True,
                   stdout=subprocess.DEVNULL)
    deps = needed(exe)
    assert not [d for d in deps if re.match(r"lib(curl|ssl|crypto)\.", d)], deps
    r = subprocess.run([str(exe)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    out = r.stdout + r.stderr
    assert r.returncode == 0 and "[  PASSED  ]" in out and "FAILED" not in out, out[-4000:]


# ---- the SDKs beside the tarball (mk/sdk.mk: make wheel, npm-pack, go-module) -------------
PY_VERSION = re.sub(r"-rc\.?", "rc", re.sub(r"-beta\.?", "b", re.sub(r"-alpha\.?", "a", VERSION)))
WHEEL = DIST_DIR / f"pulumi_awsml-{PY_VERSION}-py3-none-any.whl"
NPM_TGZ = DIST_DIR / f"awsml-pulumi-{VERSION}.tgz"
GO_MODULE = DIST_DIR / f"awsml-go-sdk-v{VERSION}"
GO_MODULE_PATH = "github.com/awsml/awsml/sdk/go/awsml"
TOOLS = ROOT / ".tools"
SAGEMAKER_FULL = "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"


@pytest.fixture(scope="module")
def sdk_dist() -> pathlib.Path:
    if not (WHEEL.is_file() and NPM_TGZ.is_file() and (GO_MODULE / "go.mod").is_file()):
        subprocess.run(["make", "-C", str(ROOT), "wheel", "npm-pack", "go-module",
                        f"VERSION={VERSION}", f"DIST_DIR={DIST_DIR}"], check=True)
    for p in (WHEEL, NPM_TGZ, GO_MODULE / "go.mod"):
        assert p.is_file(), f"make dist did not write {p}"
    return DIST_DIR


def test_wheel_name_and_version(sdk_dist):
    import zipfile
    with zipfile.ZipFile(WHEEL) as z:
        plugin = json.loads(z.read("pulumi_awsml/pulumi-plugin.json"))
        meta = z.read(f"pulumi_awsml-{PY_VERSION}.dist-info/METADATA").decode()
    assert plugin == {"resource": True, "name": "awsml", "version": VERSION}, plugin
    assert re.search(r"^Name: pulumi_awsml$", meta, re.M), meta[:300]
    assert re.search(rf"^Version: {re.escape(PY_VERSION)}$", meta, re.M), meta[:300]


def test_npm_tarball_contents(sdk_dist):
    """npm pack of the compiled @awsml/pulumi: JavaScript and declarations (no TypeScript
    sources), in pulumi-aws's module layout, at the provider's version."""
    with tarfile.open(NPM_TGZ) as tf:
        names = set(tf.getnames())
        pkg = json.loads(tf.extractfile("package/package.json").read())
    assert all(n.startswith("package/") for n in names), names
    assert pkg["name"] == "@awsml/pulumi" and pkg["version"] == VERSION, pkg
    assert pkg["pulumi"] == {"resource": True, "name": "awsml", "version": VERSION}, pkg
    assert pkg["dependencies"]["@pulumi/pulumi"].startswith("^3."), pkg
    for f in ("index.js", "index.d.ts", "provider.js", "utilities.js", "iam/role.js",
              "iam/role.d.ts", "iam/rolePolicyAttachment.js", "sagemaker/pipeline.js",
              "sagemaker/pipeline.d.ts", "s3/bucket.js", "kms/key.js", "config/vars.js",
              "types/enums/iam/index.js", "types/input.d.ts", "LICENSE", "README.md"):
        assert f"package/{f}" in names, f
    sources = [n for n in names if n.endswith(".ts") and not n.endswith(".d.ts")]
    assert not sources, sources


def _node_project(tmp_path: pathlib.Path) -> pathlib.Path:
    """A folder whose node_modules holds @awsml/pulumi unpacked from the tarball, and
    @pulumi/pulumi, typescript and @types/node from make tools' pinned install."""
    nm_tools = TOOLS / "node_modules"
    assert (nm_tools / "@pulumi" / "pulumi").is_dir(), "run make tools (.tools/node_modules)"
    nm = tmp_path / "node_modules"
    (nm / "@awsml").mkdir(parents=True)
    (tmp_path / "unpacked").mkdir()
    subprocess.run(["tar", "-xzf", str(NPM_TGZ), "-C", str(tmp_path / "unpacked")], check=True)
    (tmp_path / "unpacked" / "package").rename(nm / "@awsml" / "pulumi")
    (nm / "@pulumi").mkdir()
    (nm / "@pulumi" / "pulumi").symlink_to(nm_tools / "@pulumi" / "pulumi")
    (nm / "@types").symlink_to(nm_tools / "@types")
    (nm / "typescript").symlink_to(nm_tools / "typescript")
    return tmp_path


def test_npm_package_loads_and_types_check(sdk_dist, tmp_path):
    proj = _node_project(tmp_path)
    code = """
const aws = require("@awsml/pulumi");
const out = {
  role: typeof aws.iam.Role, attach: typeof aws.iam.RolePolicyAttachment,
  pipeline: typeof aws.sagemaker.Pipeline, bucket: typeof aws.s3.Bucket,
  provider: typeof aws.Provider, full: aws.iam.ManagedPolicy.AmazonSageMakerFullAccess,
  version: require("@awsml/pulumi/package.json").version,
};
console.log(JSON.stringify(out));
"""
    r = subprocess.run(["node", "-e", code], cwd=proj, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert json.loads(r.stdout) == {
        "role": "function", "attach": "function", "pipeline": "function",
        "bucket": "function", "provider": "function", "full": SAGEMAKER_FULL,
        "version": VERSION}, r.stdout
    # The declarations type a program as @pulumi/aws's do: a right one compiles, a wrong
    # property name does not.
    good = """import * as aws from "@awsml/pulumi";
const role = new aws.iam.Role("r", {assumeRolePolicy: "{}"});
new aws.iam.RolePolicyAttachment("a", {role: role.name,
    policyArn: aws.iam.ManagedPolicy.AmazonSageMakerFullAccess});
new aws.sagemaker.Pipeline("p", {roleArn: role.arn, pipelineName: "p",
    pipelineDefinitionS3Location: {bucket: "b", objectKey: "k"}});
export const arn: aws.iam.Role["arn"] = role.arn;
"""
    tsc = [str(proj / "node_modules" / "typescript" / "bin" / "tsc"), "--noEmit", "--strict",
           "--module", "commonjs", "--target", "es2020", "--types", "node"]
    (proj / "good.ts").write_text(good)
    r = subprocess.run(tsc + ["good.ts"], cwd=proj, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stdout + r.stderr
    (proj / "bad.ts").write_text(good.replace("assumeRolePolicy:", "assumeRolePolicyy:"))
    r = subprocess.run(tsc + ["bad.ts"], cwd=proj, capture_output=True, text=True, timeout=180)
    assert r.returncode != 0 and "assumeRolePolicyy" in r.stdout, r.stdout + r.stderr


def test_go_module_folder(sdk_dist):
    gomod = (GO_MODULE / "go.mod").read_text()
    assert re.search(rf"^module {re.escape(GO_MODULE_PATH)}$", gomod, re.M), gomod
    assert re.search(r"^\s*github\.com/pulumi/pulumi/sdk/v3 v3\.\d+\.\d+$", gomod, re.M), gomod
    assert (GO_MODULE / "go.sum").stat().st_size > 0
    plugin = json.loads((GO_MODULE / "pulumi-plugin.json").read_text())
    assert plugin == {"resource": True, "name": "awsml", "version": VERSION}, plugin
    # The package asks the engine for this provider version.
    utilities = (GO_MODULE / "internal" / "pulumiUtilities.go").read_text()
    assert f'semver.MustParse("{VERSION}")' in utilities
    for f in ("provider.go", "iam/role.go", "iam/rolePolicyAttachment.go", "iam/pulumiEnums.go",
              "sagemaker/pipeline.go", "s3/bucket.go", "kms/key.go", "config/config.go",
              "LICENSE"):
        assert (GO_MODULE / f).is_file(), f
    assert "package awsml" in (GO_MODULE / "provider.go").read_text()
    assert 'ManagedPolicyAmazonSageMakerFullAccess = ManagedPolicy("%s")' % SAGEMAKER_FULL \
        in (GO_MODULE / "iam" / "pulumiEnums.go").read_text()


def test_go_module_builds_alone_offline(sdk_dist, tmp_path):
    """A copy of the folder builds with its own go.mod and go.sum (read-only), nothing
    fetched: the modules come from make tools' Go cache."""
    gocache = TOOLS / "go"
    assert (gocache / "mod").is_dir(), "run make tools (.tools/go)"
    mod = tmp_path / "mod"
    shutil.copytree(GO_MODULE, mod)
    env = dict(os.environ, GOFLAGS="-mod=readonly -buildvcs=false", GOPROXY="off",
               GOTOOLCHAIN="local", GOMODCACHE=str((gocache / "mod").resolve()),
               GOCACHE=str((gocache / "build").resolve()))
    go = shutil.which("go") or "/usr/local/go/bin/go"
    r = subprocess.run([go, "build", "./..."], cwd=mod, env=env, capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
