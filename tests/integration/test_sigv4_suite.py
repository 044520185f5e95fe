"""The AWS SigV4 test suite through bin/sigv4-case, one test per case.

Every directory under tests/testdata/sigv4 (the suite's cases, vendored with their LICENSE and
NOTICE; see the README there) is a case: bin/sigv4-case signs its request.txt as its context.json
says and every expected header-*.txt / query-*.txt file of the case must match the output byte for
byte. A missing suite is a failure, never a skip, so a broken checkout cannot pass.
"""
import difflib
import json
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(os.environ.get("AWSML_ROOT", pathlib.Path(__file__).resolve().parents[2]))
SUITE = pathlib.Path(__file__).resolve().parents[1] / "testdata" / "sigv4"
TOOL = ROOT / "bin" / "sigv4-case"
TIMEOUT = 60
INPUTS = {"context.json", "request.txt"}


def _case_ids():
    # Collected at import so each case is its own test; a missing suite still yields one test,
    # which fails and says why.
    if not SUITE.is_dir():
        return ["<suite missing>"]
    cases = sorted(p.name for p in SUITE.iterdir() if p.is_dir())
    return cases or ["<suite empty>"]


def _tool():
    if not TOOL.is_file() or not os.access(TOOL, os.X_OK):
        pytest.fail(f"{TOOL} is missing or not executable: build it with `make bin/sigv4-case`")
    return str(TOOL)


def _run(args, **kw):
    return subprocess.run([_tool()] + [str(a) for a in args], capture_output=True,
                          timeout=TIMEOUT, **kw)


def _show_difference(name, want: bytes, got: bytes) -> str:
    # Text diff for the eye, plus the exact byte where they part (trailing newlines and
    # whitespace are invisible in a diff).
    at = next((i for i, (a, b) in enumerate(zip(want, got)) if a != b), min(len(want), len(got)))
    diff = "\n".join(difflib.unified_diff(
        want.decode("utf-8", "replace").splitlines(),
        got.decode("utf-8", "replace").splitlines(),
        f"expected/{name}", f"got/{name}", lineterm=""))
    return (f"{name}: differs at byte {at} (expected {len(want)} bytes, got {len(got)}): "
            f"expected {want[at:at + 20]!r}, got {got[at:at + 20]!r}\n{diff}")


@pytest.mark.parametrize("case", _case_ids())
def test_sigv4_case(case, tmp_path):
    assert SUITE.is_dir(), f"SigV4 test suite not found at {SUITE}"
    casedir = SUITE / case
    assert casedir.is_dir(), f"no case directories in {SUITE}"
    expected = sorted(p for p in casedir.iterdir()
                      if p.is_file() and p.name not in INPUTS
                      and p.name.startswith(("header-", "query-")))
    assert expected, f"{casedir}: no expected header-*/query-* files"

    out = tmp_path / "out"
    out.mkdir()
    proc = _run(["-o", out, casedir])
    assert proc.returncode == 0, (f"sigv4-case failed on {case} (exit {proc.returncode}):\n"
                                  f"{proc.stderr.decode(errors='replace')}")
    assert proc.stdout == b"", "sigv4-case writes files, not stdout"

    problems = []
    for want_path in expected:
        got_path = out / want_path.name
        if not got_path.is_file():
            problems.append(f"{want_path.name}: not written")
            continue
        want, got = want_path.read_bytes(), got_path.read_bytes()
        if want != got:
            problems.append(_show_difference(want_path.name, want, got))
    assert not problems, f"{case}:\n" + "\n\n".join(problems)


def test_suite_is_complete():
    """The suite itself: present with its licence, and every case carries its inputs."""
    assert SUITE.is_dir(), f"SigV4 test suite not found at {SUITE}"
    for name in ("LICENSE", "NOTICE", "README.md"):
        assert (SUITE / name).is_file(), f"{SUITE}: {name} missing (it travels with the data)"
    cases = [p for p in SUITE.iterdir() if p.is_dir()]
    assert cases, f"no cases in {SUITE}"
    for case in cases:
        for name in INPUTS:
            assert (case / name).is_file(), f"{case}: {name} missing"


def test_usage_errors_exit_2(tmp_path):
    for args in ([], ["-o"], ["-x", tmp_path], [tmp_path, tmp_path]):
        proc = _run(args)
        assert proc.returncode == 2, (args, proc.returncode, proc.stderr)
        assert b"usage:" in proc.stderr


def _synthetic_case(tmp_path, **context):
    case = tmp_path / "case"
    case.mkdir()
    ctx = {
        "credentials": {"access_key_id": "AKIDSECRETCANARY",
                        "secret_access_key": "canary/secret+key0123456789",
                        "token": "canarytoken0123456789"},
        "expiration_in_seconds": 3600, "normalize": True, "region": "us-east-1",
        "service": "service", "sign_body": False, "timestamp": "2015-08-30T12:36:00Z",
    }
    ctx.update(context)
    (case / "context.json").write_text(json.dumps(ctx))
    (case / "request.txt").write_bytes(b"GET / HTTP/1.1\nHost:example.amazonaws.com\n")
    return case


def test_bad_case_names_file_and_rule_and_hides_secrets(tmp_path):
    case = _synthetic_case(tmp_path, region="bad region")
    proc = _run(["-o", tmp_path, case])
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert "region" in err
    for secret in ("AKIDSECRETCANARY", "canary/secret+key0123456789", "canarytoken0123456789"):
        assert secret not in err

    (case / "context.json").write_text('{"credentials": {}}')
    proc = _run(["-o", tmp_path, case])
    assert proc.returncode == 1
    assert "context.json" in proc.stderr.decode() and "access_key_id" in proc.stderr.decode()

    other = tmp_path / "other"
    other.mkdir()
    case2 = _synthetic_case(other)
    (case2 / "request.txt").write_bytes(b"GET / HTTP/1.1\nNo colon here\n")
    proc = _run(["-o", tmp_path, case2])
    assert proc.returncode == 1
    assert "request.txt:2" in proc.stderr.decode()


def test_default_output_directory_is_cwd(tmp_path):
    case = _synthetic_case(tmp_path)
    work = tmp_path / "cwd"
    work.mkdir()
    proc = _run([case], cwd=work)
    assert proc.returncode == 0, proc.stderr
    assert (work / "header-signature.txt").read_bytes() != b""
    assert sorted(p.name for p in work.iterdir()) == sorted(
        f"{form}-{kind}.txt" for form in ("header", "query")
        for kind in ("canonical-request", "string-to-sign", "signature", "signed-request"))
    assert proc.stdout == b"" and proc.stderr == b""


# ---- obsolete header line folding ----------------------------------------------------------
# The suite writes a multi-line header value as continuation lines that start with a blank
# (space or tab), and signs each continuation line as one more value of the header above it:
# trimmed, blank runs collapsed, joined to the others with ',' in the order written. Its
# get-header-value-multiline case (upstream, not among the vendored cases) is this request,
# whose canonical header is "my-header1:value1,value2,value3" and whose header-form signature
# the suite gives as MULTILINE_SIGNATURE.
MULTILINE_REQUEST = (b"GET / HTTP/1.1\nHost:example.amazonaws.com\n"
                     b"My-Header1:value1\n  value2\n     value3\n")
MULTILINE_SIGNATURE = "ba17b383a53190154eb5fa66a1b836cc297cc0a3d70a5d00705980573d8ff790"

# Folding with tabs and inner blank runs, a folded header that appears again later, and a last
# header that is folded, in a POST with a query and a body.
FOLDED_REQUEST = (
    "POST /folded?Param2=b&Param1=a HTTP/1.1\n"
    "Host:example.amazonaws.com\n"
    "Content-Type:application/x-www-form-urlencoded; charset=utf-8\n"
    "My-Header1:  first   value\n"
    " \t second\t\tvalue  \n"
    "\tthird\n"
    "My-Header2:\"a   b\"\n"
    "My-Header1:fourth\n"
    "X-Folded-Last:start\n"
    "\t  end\n"
    "\n"
    "Param1=value1")


def _case_with(tmp_path, name, request: bytes):
    """A case directory: the suite's own example context (get-vanilla's) and this request."""
    case = tmp_path / name
    case.mkdir()
    (case / "context.json").write_bytes((SUITE / "get-vanilla" / "context.json").read_bytes())
    (case / "request.txt").write_bytes(request)
    return case


def _sign(tmp_path, case):
    out = tmp_path / (case.name + "-out")
    out.mkdir()
    proc = _run(["-o", out, case])
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return {p.name: p.read_text() for p in out.iterdir()}


def _botocore_reference(request: str, context: dict):
    """Canonical request, string to sign, signature and Authorization value from botocore's
    SigV4Auth for request.txt text, each continuation line read as one more value of the header
    above it (the suite's reading)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    head, _, body = request.partition("\n\n")
    request_line, *lines = head.split("\n")
    method, target, _version = request_line.split(" ")
    headers = []
    for line in lines:
        if line[:1] in (" ", "\t"):
            headers.append((headers[-1][0], line))
        else:
            name, value = line.split(":", 1)
            headers.append((name, value))
    host = next(v for n, v in headers if n.lower() == "host")
    req = AWSRequest(method=method, url=f"http://{host}{target}", data=body.encode())
    for name, value in headers:
        req.headers[name] = value  # HTTPHeaders keeps repeated names, in order
    stamp = context["timestamp"].replace("-", "").replace(":", "")
    req.headers["X-Amz-Date"] = stamp
    req.context["timestamp"] = stamp
    cred = context["credentials"]
    auth = SigV4Auth(Credentials(cred["access_key_id"], cred["secret_access_key"]),
                     context["service"], context["region"])
    creq = auth.canonical_request(req)
    sts = auth.string_to_sign(req, creq)
    sig = auth.signature(sts, req)
    authorization = (f"AWS4-HMAC-SHA256 Credential={auth.scope(req)}, "
                     f"SignedHeaders={auth.signed_headers(auth.headers_to_sign(req))}, "
                     f"Signature={sig}")
    return creq, sts, sig, authorization


def test_folded_header_is_the_suites_multiline_case(tmp_path):
    got = _sign(tmp_path, _case_with(tmp_path, "multiline", MULTILINE_REQUEST))
    assert "\nmy-header1:value1,value2,value3\n" in got["header-canonical-request.txt"]
    assert "\nmy-header1:value1,value2,value3\n" in got["query-canonical-request.txt"]
    assert got["header-signature.txt"] == MULTILINE_SIGNATURE
    # The signed requests echo the header lines as written, folding included.
    for name in ("header-signed-request.txt", "query-signed-request.txt"):
        assert "\nMy-Header1:value1\n  value2\n     value3\n" in got[name], got[name]


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_folded_headers_sign_as_botocore_does(tmp_path, newline):
    context = json.loads((SUITE / "get-vanilla" / "context.json").read_text())
    head, _, body = FOLDED_REQUEST.partition("\n\n")
    raw = (head.replace("\n", newline) + newline + newline + body).encode()
    got = _sign(tmp_path, _case_with(tmp_path, "folded", raw))
    creq, sts, sig, authorization = _botocore_reference(FOLDED_REQUEST, context)
    assert ("my-header1:first value,second value,third,fourth\n"
            "my-header2:\"a b\"\n") in creq  # the reference reads the folding as the suite does
    assert "x-folded-last:start,end\n" in creq
    assert got["header-canonical-request.txt"] == creq
    assert got["header-string-to-sign.txt"] == sts
    assert got["header-signature.txt"] == sig
    assert f"\nAuthorization:{authorization}\n" in got["header-signed-request.txt"]


def test_continuation_before_any_header_names_file_and_line(tmp_path):
    case = _case_with(tmp_path, "early", b"GET / HTTP/1.1\n  folded\nHost:example.amazonaws.com\n")
    proc = _run(["-o", tmp_path, case])
    assert proc.returncode == 1
    err = proc.stderr.decode()
    where = f"{case / 'request.txt'}:2: "
    assert where in err, err
    assert "continuation line" in err.split(where, 1)[1], err
