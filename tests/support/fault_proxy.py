#!/usr/bin/env python3
"""A loopback HTTP/1.1 proxy that sits between awsml and moto and injects faults
on chosen AWS operations. Python standard library only.

Every request is forwarded to the upstream unchanged (same method, path, Host
header and body, so SigV4 still verifies there), and moto's answer is sent back,
unless a rule says otherwise.

The "action" of a request is the Action= field of a query-API form body (IAM,
STS), else the part after the dot of X-Amz-Target (SageMaker JSON 1.1, e.g.
CreatePipeline), else the Action= query parameter, else the HTTP method (S3).

Rules, offered in order to each request:
  {"action": "CreateRole",   exact action name, or "*" for any
   "fault": "throttle" | "500" | "503" | "reset" | "stall" | "truncate" | "hold",
   "when": "before" | "after",  before: the request never reaches the upstream;
                                after: the upstream handled it, and the client gets
                                the fault instead of its answer (default "before")
   "times": 1,                  how many matching requests get the fault (default 1;
                                0 or null: every one)
   "skip": 0,                   let this many matching requests through first
   "stall_s": 90}               stall: how long to sit on the connection (default 90)
A matching rule with faults left counts the request; the first whose skip is
used up fires, and later rules do not see the request.

Faults
  throttle  400 with the protocol's throttling error (Throttling / ThrottlingException)
  500, 503  that status with InternalFailure / ServiceUnavailable
  reset     the connection is reset (RST) without an answer
  stall     nothing is answered for stall_s seconds (or until the client hangs up),
            then the connection is closed
  truncate  the answer's headers promise the whole body, half of it is sent, then
            the connection is closed (before: a made-up 200 answer is cut short)
  hold      the request (before: not yet forwarded; after: answered by the upstream)
            waits until release() or until the client disconnects; a request whose
            client left while held before is never forwarded

Use as a module (tests add tests/support to sys.path):
    with FaultProxy("http://127.0.0.1:5000") as p:   # or p.start() -> port; p.stop()
        p.set_rules([{"action": "CreateRole", "fault": "500", "when": "after"}])
        ... point AWS_ENDPOINT_URL at p.url ...
        p.wait_held("CreatePipeline", timeout=30); p.release()
        p.log()  # [{"action", "fault", "when", "status", "upstream_status", "done"}, ...]
The log is in arrival order: fault/when are the rule that fired (None: passed
through), status what the client was sent (None: no answer, as with reset and
stall), upstream_status moto's answer (None: never forwarded), done whether the
exchange is over (a stall or hold is logged while it lasts).

Or as a program: fault_proxy.py --upstream URL [--port 0] prints its port as the
first stdout line and exits when stdin closes. Control endpoints (on the same port):
  POST /__fault/rules    JSON list of rules (replaces the current ones)
  POST /__fault/release  releases every held request
  POST /__fault/clear    clears the rules, the log and the holds
  GET  /__fault/log      the log as JSON
  GET  /__fault/held?action=A&timeout=S   {"held": bool} (waits up to S seconds)
"""
import argparse
import http.client
import json
import select
import socket
import struct
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

FAULTS = ("throttle", "500", "503", "reset", "stall", "truncate", "hold")
WHENS = ("before", "after")
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authenticate",
              "proxy-authorization", "te", "trailers", "transfer-encoding", "upgrade", "expect"}
DROP_UPSTREAM = {"content-length", "server", "date"}  # set again by this proxy
MAX_BODY = 64 * 1024 * 1024
MAX_STALL_S = 600
UPSTREAM_TIMEOUT_S = 120


def _validate_rule(r):
    if not isinstance(r, dict):
        raise ValueError(f"a rule must be an object, got {r!r}")
    unknown = set(r) - {"action", "fault", "when", "times", "skip", "stall_s"}
    if unknown:
        raise ValueError(f"unknown rule keys {sorted(unknown)} in {r!r}")
    action = r.get("action")
    if not isinstance(action, str) or not action:
        raise ValueError(f"rule needs an action (a name or \"*\"): {r!r}")
    fault = str(r.get("fault", ""))
    if fault not in FAULTS:
        raise ValueError(f"rule fault must be one of {', '.join(FAULTS)}: {r!r}")
    when = r.get("when", "before")
    if when not in WHENS:
        raise ValueError(f"rule when must be before or after: {r!r}")
    times = r.get("times", 1)
    if times is None:
        times = 0
    skip = r.get("skip", 0)
    stall_s = r.get("stall_s", 90)
    for k, v in (("times", times), ("skip", skip)):
        if not isinstance(v, int) or isinstance(v, bool) or v < 0:
            raise ValueError(f"rule {k} must be a whole number >= 0: {r!r}")
    if not isinstance(stall_s, (int, float)) or isinstance(stall_s, bool) or \
            not 0 <= stall_s <= MAX_STALL_S:
        raise ValueError(f"rule stall_s must be 0..{MAX_STALL_S} seconds: {r!r}")
    return {"action": action, "fault": fault, "when": when, "times": times, "skip": skip,
            "stall_s": float(stall_s), "matched": 0, "fired": 0}


def action_of(method, path, headers, body):
    """The AWS operation a request asks for (see the module docstring)."""
    target = headers.get("X-Amz-Target")
    if target:
        return target.split(".", 1)[1] if "." in target else target
    ctype = (headers.get("Content-Type") or "").lower()
    if body and "x-www-form-urlencoded" in ctype:
        try:
            form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        except ValueError:
            form = {}
        if form.get("Action"):
            return form["Action"][0]
    q = parse_qs(urlsplit(path).query)
    if q.get("Action"):
        return q["Action"][0]
    return method


class FaultProxy:
    def __init__(self, upstream, port=0, host="127.0.0.1"):
        u = urlsplit(upstream)
        if u.scheme != "http" or not u.hostname:
            raise ValueError(f"upstream must be an http:// URL, got {upstream!r}")
        self.upstream = upstream
        self._up_host = u.hostname
        self._up_port = u.port or 80
        self._host = host
        self._port = port
        self._server = None
        self._thread = None
        self._lock = threading.Condition()
        self._rules = []
        self._log = []
        self._held = []  # actions currently held
        self._release_gen = 0
        self._stopping = threading.Event()

    # ---- life cycle ----------------------------------------------------------------
    def start(self):
        proxy = self

        class Handler(_Handler):
            pass

        Handler.proxy = proxy
        self._stopping.clear()
        self._server = ThreadingHTTPServer((self._host, self._port), Handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()
        return self.port

    @property
    def port(self):
        return self._server.server_address[1] if self._server else None

    @property
    def url(self):
        return f"http://{self._host}:{self.port}"

    def stop(self):
        self._stopping.set()
        self.release()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    # ---- rules, holds, log -----------------------------------------------------------
    def set_rules(self, rules):
        parsed = [_validate_rule(r) for r in (rules or [])]
        with self._lock:
            self._rules = parsed

    def rules_left(self):
        """The rules with faults still to fire (times > fired), as given."""
        with self._lock:
            return [{k: r[k] for k in ("action", "fault", "when", "times", "skip")}
                    for r in self._rules if r["times"] == 0 or r["fired"] < r["times"]]

    def release(self):
        with self._lock:
            self._release_gen += 1
            self._lock.notify_all()

    def wait_held(self, action, timeout=30.0):
        """True once a request of `action` ("*" for any) is being held."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while not any(action in ("*", a) for a in self._held):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(min(left, 0.2))
            return True

    def log(self):
        with self._lock:
            return [dict(x) for x in self._log]

    def clear(self):
        with self._lock:
            self._rules = []
            self._log = []
        self.release()

    # ---- internals used by the handler ----------------------------------------------
    def _match(self, action):
        with self._lock:
            for r in self._rules:
                if r["action"] not in ("*", action):
                    continue
                if r["times"] and r["fired"] >= r["times"]:
                    continue
                r["matched"] += 1
                if r["matched"] <= r["skip"]:
                    continue
                r["fired"] += 1
                return dict(r)
        return None

    def _record(self, entry):
        with self._lock:
            self._log.append(entry)

    def _hold(self, action, sock):
        """Waits for release(), the client hanging up or stop(); True when released."""
        with self._lock:
            gen = self._release_gen
            self._held.append(action)
            self._lock.notify_all()
        try:
            while True:
                with self._lock:
                    if self._release_gen != gen:
                        return not self._stopping.is_set()
                    self._lock.wait(0.1)
                if _client_gone(sock) or self._stopping.is_set():
                    return False
        finally:
            with self._lock:
                self._held.remove(action)

    def _forward(self, method, path, headers, body):
        conn = http.client.HTTPConnection(self._up_host, self._up_port, timeout=UPSTREAM_TIMEOUT_S)
        try:
            conn.request(method, path, body=body if body or method in ("POST", "PUT") else None,
                         headers=headers)
            resp = conn.getresponse()
            data = resp.read() if method != "HEAD" else b""
            hdrs = [(k, v) for k, v in resp.getheaders()
                    if k.lower() not in HOP_BY_HOP and k.lower() not in DROP_UPSTREAM]
            length = resp.getheader("Content-Length")
            return resp.status, resp.reason, hdrs, data, length
        finally:
            conn.close()


def _client_gone(sock):
    """True when the client closed or reset the connection (it sends nothing while
    it waits for an answer, so a readable socket means EOF or an error)."""
    try:
        r, _, _ = select.select([sock], [], [], 0)
        if not r:
            return False
        return sock.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True


def _error_body(kind, fault, request_id):
    code, message = {"throttle": ("Throttling", "Rate exceeded"),
                     "500": ("InternalFailure", "injected internal failure"),
                     "503": ("ServiceUnavailable", "injected: service unavailable")}[fault]
    status = {"throttle": 400, "500": 500, "503": 503}[fault]
    if kind == "json":
        if fault == "throttle":
            code = "ThrottlingException"
        body = json.dumps({"__type": code, "message": message}).encode()
        return status, code, "application/x-amz-json-1.1", body
    body = ("<ErrorResponse><Error><Type>{t}</Type><Code>{c}</Code><Message>{m}</Message>"
            "</Error><RequestId>{r}</RequestId></ErrorResponse>").format(
        t="Sender" if status < 500 else "Receiver", c=code, m=message, r=request_id).encode()
    return status, code, "text/xml", body


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fault_proxy/1"
    proxy = None  # set per server

    def log_message(self, fmt, *args):  # quiet
        pass

    def _read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            out = bytearray()
            while True:
                line = self.rfile.readline(1024)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline(16)
                if len(out) > MAX_BODY:
                    raise ValueError("request body too large")
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_BODY:
            raise ValueError("request body too large")
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        self._handle()

    def do_POST(self):
        self._handle()

    def do_PUT(self):
        self._handle()

    def do_HEAD(self):
        self._handle()

    def do_DELETE(self):
        self._handle()

    # ---- control endpoints -------------------------------------------------------------
    def _control(self, body):
        p = self.proxy
        u = urlsplit(self.path)
        status, out = 200, {"ok": True}
        try:
            if u.path == "/__fault/rules" and self.command == "POST":
                p.set_rules(json.loads(body or b"[]"))
            elif u.path == "/__fault/release" and self.command == "POST":
                p.release()
            elif u.path == "/__fault/clear" and self.command == "POST":
                p.clear()
            elif u.path == "/__fault/log":
                out = p.log()
            elif u.path == "/__fault/held":
                q = parse_qs(u.query)
                out = {"held": p.wait_held(q.get("action", ["*"])[0],
                                           float(q.get("timeout", ["0"])[0]))}
            else:
                status, out = 404, {"error": f"no control endpoint {self.command} {u.path}"}
        except (ValueError, TypeError) as ex:
            status, out = 400, {"error": str(ex)}
        data = json.dumps(out).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    # ---- proxying ---------------------------------------------------------------------
    def _handle(self):
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        if urlsplit(self.path).path.startswith("/__fault/"):
            self._control(body)
            return
        p = self.proxy
        action = action_of(self.command, self.path, self.headers, body)
        kind = "json" if self.headers.get("X-Amz-Target") else "xml"
        rule = p._match(action)
        fault = rule["fault"] if rule else None
        when = rule["when"] if rule else None
        entry = {"action": action, "fault": fault, "when": when, "status": None,
                 "upstream_status": None, "done": False}
        p._record(entry)  # in arrival order; filled in as the exchange goes on
        headers = [(k, v) for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP]
        try:
            if rule and when == "before":
                self._before(rule, action, kind, headers, body, entry)
            else:
                up = p._forward(self.command, self.path, dict(headers), body)
                entry["upstream_status"] = up[0]
                if rule:
                    self._after(rule, action, kind, up, entry)
                else:
                    self._send_upstream(up, entry)
        except (ConnectionError, OSError, http.client.HTTPException) as ex:
            # The upstream or the client went away: nothing more to say on this connection.
            entry["error"] = f"{type(ex).__name__}: {ex}"
            self.close_connection = True
        finally:
            entry["done"] = True

    def _before(self, rule, action, kind, headers, body, entry):
        fault = rule["fault"]
        if fault in ("throttle", "500", "503"):
            self._send_error(kind, fault, entry)
        elif fault == "reset":
            self._reset()
        elif fault == "stall":
            self._stall(rule["stall_s"])
        elif fault == "truncate":
            data = b'{"truncated": "by fault_proxy, this body never ends"}' if kind == "json" \
                else b"<TruncatedResponse>by fault_proxy, this body never ends"
            self._send_truncated(200, "OK", [("Content-Type", "text/xml" if kind == "xml"
                                              else "application/x-amz-json-1.1")],
                                 data * 4, entry)
        elif fault == "hold":
            if not self.proxy._hold(action, self.connection):
                entry["error"] = "client left while held; not forwarded"
                self.close_connection = True
                return
            up = self.proxy._forward(self.command, self.path, dict(headers), body)
            entry["upstream_status"] = up[0]
            self._send_upstream(up, entry)

    def _after(self, rule, action, kind, up, entry):
        fault = rule["fault"]
        if fault in ("throttle", "500", "503"):
            self._send_error(kind, fault, entry)
        elif fault == "reset":
            self._reset()
        elif fault == "stall":
            self._stall(rule["stall_s"])
        elif fault == "truncate":
            status, reason, hdrs, data, _ = up
            if len(data) < 2:
                data = data + b" " * (2 - len(data))
            self._send_truncated(status, reason, hdrs, data, entry)
        elif fault == "hold":
            if not self.proxy._hold(action, self.connection):
                entry["error"] = "client left while held"
                self.close_connection = True
                return
            self._send_upstream(up, entry)

    def _send_upstream(self, up, entry):
        status, reason, hdrs, data, length = up
        self.send_response(status, reason)
        for k, v in hdrs:
            self.send_header(k, v)
        self.send_header("Content-Length", length if self.command == "HEAD" and length
                         else str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        entry["status"] = status

    def _send_error(self, kind, fault, entry):
        rid = str(uuid.uuid4())
        status, code, ctype, body = _error_body(kind, fault, rid)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("x-amzn-RequestId", rid)
        if kind == "json":
            self.send_header("x-amzn-ErrorType", code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        entry["status"] = status

    def _send_truncated(self, status, reason, hdrs, data, entry):
        self.send_response(status, reason)
        for k, v in hdrs:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        entry["status"] = status
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def _reset(self):
        self.close_connection = True
        try:
            self.wfile.flush()
        except OSError:
            pass
        # SO_LINGER with a zero timeout: close() sends RST instead of FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    def _stall(self, seconds):
        self.close_connection = True
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self.proxy._stopping.is_set():
            if _client_gone(self.connection):
                break
            time.sleep(0.05)
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--upstream", required=True, help="http://host:port of the real endpoint")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--rules", help="initial rules as a JSON list")
    a = ap.parse_args(argv)
    p = FaultProxy(a.upstream, port=a.port)
    if a.rules:
        p.set_rules(json.loads(a.rules))
    port = p.start()
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    try:
        while sys.stdin.read(4096):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        p.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
