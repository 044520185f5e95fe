"""The release tarball of `make dist`: its layout, and a binary that needs none of the
libraries Debian's -dev packages bring (gRPC core, abseil, upb, re2, c-ares, protobuf-c,
cJSON, ...): only glibc, libcurl (with its own dependencies) and OpenSSL.

The tarball comes from `make dist` (the Makefile's test-integration builds it; when it
is missing this module runs `make dist` itself). Environment: AWSML_ROOT,
AWSML_EXPECT_VERSION (the Makefile's VERSION; default 0.1.0)."""
import os
import pathlib
import re
import shutil
import subprocess
import tarfile
import threading

import grpc
import pytest
from google.protobuf import empty_pb2

from conftest import ROOT, SANITIZED

VERSION = os.environ.get("AWSML_EXPECT_VERSION", "0.1.0")
TARBALL = ROOT / "dist" / f"pulumi-resource-awsml-v{VERSION}-linux-amd64.tar.gz"
MEMBERS = {"pulumi-resource-awsml", "README.md", "LICENSE", "THIRD-PARTY-NOTICES"}

# Direct dependencies the release binary may have: glibc's pieces, libcurl, OpenSSL.
ALLOWED_NEEDED = re.compile(
    r"^(libc|libm|libpthread|libdl|librt|libresolv|ld-linux-x86-64|libcurl|libssl|libcrypto)"
    r"\.so(\.[0-9]+)*$")
# What must be linked in: never a dependency, direct or through libcurl.
FORBIDDEN = re.compile(
    r"^lib(grpc|gpr|absl|upb|re2|cares|address_sorting|protobuf-c|protobuf|cjson|expat|"
    r"stdc\+\+|gcc_s|atomic)[._-]")

# The release binary is no sanitizer build: `make test-sanitize` leaves this file out.


@pytest.fixture(scope="module")
def tarball() -> pathlib.Path:
    if not TARBALL.is_file():
        subprocess.run(["make", "-C", str(ROOT), "dist", f"VERSION={VERSION}"], check=True)
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
        assert set(members) == MEMBERS, "binary, README.md, LICENSE, notices at the archive root"
        b = members["pulumi-resource-awsml"]
        assert b.isfile() and b.mode & 0o111 == 0o111, "the binary must be executable"
        assert all(m.isfile() and m.uid == 0 and m.gid == 0 for m in members.values())
        lic = tf.extractfile("LICENSE").read().decode()
        assert "Apache License" in lic and "Version 2.0, January 2004" in lic
        notices = tf.extractfile("THIRD-PARTY-NOTICES").read().decode()
        for lib in ("libgrpc-dev", "libabsl-dev", "libre2-dev", "libc-ares-dev",
                    "libprotobuf-c-dev", "cJSON"):
            assert lib in notices, f"no license notice for {lib}"


def test_direct_dependencies_are_only_glibc_curl_openssl(release_bin):
    deps = needed(release_bin)
    assert deps, "readelf found no NEEDED entries: not a dynamic executable?"
    bad = [d for d in deps if not ALLOWED_NEEDED.match(d)]
    assert not bad, f"unexpected direct dependencies {bad} (all: {deps})"
    assert any(d.startswith("libcurl.so") for d in deps)


def test_no_bundled_library_anywhere_in_the_closure(release_bin):
    libs = closure(release_bin)
    bad = sorted(n for n in libs if FORBIDDEN.match(n))
    assert not bad, f"{bad} are loaded at run time; they must be linked statically"


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


def test_boots_and_serves_with_only_glibc_curl_openssl_present(release_bin, tmp_path, pb):
    """A root file system holding the binary, glibc, libcurl with its dependencies and
    OpenSSL, nothing else: the plugin boots, prints its port and answers GetPluginInfo."""
    root = tmp_path / "root"
    root.mkdir()
    shutil.copy2(release_bin, root / "pulumi-resource-awsml")
    for name, target in closure(release_bin).items():
        assert not FORBIDDEN.match(name), name
        dest = root / target.lstrip("/")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(os.path.realpath(target), dest)
    (root / "bin").mkdir(exist_ok=True)
    shutil.copy2("/bin/true", root / "bin" / "true")  # probe for _run_in_root only
    for lib in closure(pathlib.Path("/bin/true")).values():
        dest = root / lib.lstrip("/")
        if not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(os.path.realpath(lib), dest)
    present = sorted(p.name for p in root.rglob("*.so*"))
    assert not [p for p in present if FORBIDDEN.match(p)], present

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
        port = int(box["line"])
        with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
            info = pb.provider_grpc.ResourceProviderStub(ch).GetPluginInfo(
                empty_pb2.Empty(), timeout=10)
        assert info.version == VERSION
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

