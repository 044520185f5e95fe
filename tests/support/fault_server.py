#!/usr/bin/env python3
"""A loopback HTTP/1.1 server that misbehaves on request, for the HTTP client,
retry and credential-provider tests. Python standard library only.

Binds 127.0.0.1:0 (or --port) and prints the port as the first stdout line.
With --tls it also serves the same paths over HTTPS with a fresh self-signed
certificate for 127.0.0.1 (made by the openssl command) and prints a second
line "tls <port> <certificate file>", so tests can check verification failures
and customCaBundle.
Exits when stdin closes (the test process died or closed the pipe) or after
--max-lifetime seconds (default 300), so a crashed test never leaves it behind.

Paths
  /ok                       200, small text body, x-amzn-RequestId: req-ok
  /echo                     200, JSON {method, path, headers, body_len}
  /status/<N>               status N with a JSON error body and a request id
  /throttle?format=json|xml 400 with a throttling error (JSON 1.1 or query XML)
  /reset                    sends part of a response, then a TCP RST
  /truncate                 Content-Length 100, sends 10 bytes, closes (FIN)
  /slow?ms=N                waits N ms (<= 120000), then 200
  /big?bytes=N[&chunked=1]  200 with N bytes of 'x' (<= 256 MiB), chunked on request
  /stats                    JSON {connections, requests, paths: {path: count}}
  /s3rec/<bucket>[/<key>]   an S3 endpoint (path-style) that records: answers 200 with a
                            JSON record of the request (method, path, query, headers,
                            body_len, the body's MD5 and SHA-256 recomputed and whether
                            Content-MD5 / x-amz-content-sha256 match them, the signing
                            region of the Authorization header) and ETag "rec-etag".
                            Buckets that misbehave: redirect-me (301 PermanentRedirect with
                            x-amz-bucket-region eu-west-1 unless signed for eu-west-1),
                            busy (409 OperationAborted), missing (404 NoSuchBucket, no
                            body for HEAD), once-aborted-* (409 OperationAborted the first
                            time, then as usual), once-missing-* (404 NoSuchBucket the first
                            time), default-sse (GET ?encryption
                            answers S3's default, SSE-S3), slow-* (each request takes 300 ms; /stats "s3max" holds the
                            most requests ever in flight at once per bucket)
  POST /script/set          body {"<op>": [[status, body], ...], ...}: the answers of POST
                            /script per JSON 1.1 operation (the part of X-Amz-Target after
                            the dot), given in order, the last one repeating; replaces
                            the script and clears the log
  POST /script              the next scripted answer for its X-Amz-Target (400 with
                            UnknownOperationException when the script has none); a
                            status >= 400 sends x-amzn-ErrorType from the body's __type
  GET  /script/log          JSON [{"op", "body"}] of every POST /script, in order
  PUT /latest/api/token     IMDSv2: needs X-aws-ec2-metadata-token-ttl-seconds
  GET /latest/meta-data/iam/security-credentials/          role name (token required)
  GET /latest/meta-data/iam/security-credentials/<role>    credentials JSON
  GET /ecs/creds            container credentials JSON (Authorization checked
                            when FAULT_ECS_AUTH is set)
  POST /sts                 STS query calls: AssumeRole and AssumeRoleWithWebIdentity
                            answer the credentials below, GetCallerIdentity account
                            123456789012; /stats counts each as /sts/<Action>/<key id
                            of the signature, or "unsigned">

  POST /iam/<scenario>      IAM query calls for the policy tests (see iam_answer):
                            "prune" lists five versions whose oldest is the default,
                            "conflict" answers DeletePolicy with DeleteConflict once,
                            "notyet" answers PutRolePolicy with NoSuchEntity twice (a
                            role IAM does not show yet), "exists" has the inline
                            policy r:p already; /stats counts each call as
                            /iam/<scenario>/<Action> (DeletePolicyVersion also with
                            /<VersionId>)

Credentials come from the environment, and a query parameter of the same name
overrides each one:
  FAULT_ACCESS_KEY_ID (AccessKeyId), FAULT_SECRET_ACCESS_KEY (SecretAccessKey),
  FAULT_SESSION_TOKEN (Token), FAULT_EXPIRATION (Expiration, default now + 1 h),
  FAULT_IMDS_TOKEN (the IMDSv2 token), FAULT_IMDS_ROLE (the instance role name),
  FAULT_ECS_AUTH (the expected Authorization header of /ecs/creds).
"""
import argparse
import datetime
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import socket
import socketserver
import struct
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

STATS_LOCK = threading.Lock()
STATS = {"connections": 0, "requests": 0, "paths": {}, "s3max": {}}
S3_SEEN = {}
S3_INFLIGHT = {}
SCRIPT = {"answers": {}, "log": []}  # under STATS_LOCK

MAX_SLOW_MS = 120000
MAX_BIG_BYTES = 256 * 1024 * 1024
IMDS_CREDS_PREFIX = "/latest/meta-data/iam/security-credentials/"


def env(name, default):
    v = os.environ.get(name)
    return v if v else default


def default_expiration():
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so the client's reuse can be counted
    server_version = "fault_server/1"

    def setup(self):
        # TLS is wrapped here, in the connection's own thread, so a client that
        # stalls or rejects the handshake never blocks accept().
        ctx = getattr(self.server, "tls_context", None)
        if ctx is not None:
            self.request = ctx.wrap_socket(self.request, server_side=True)
        super().setup()
        with STATS_LOCK:
            STATS["connections"] += 1

    def log_message(self, fmt, *args):  # quiet: test output stays readable
        if os.environ.get("FAULT_VERBOSE"):
            sys.stderr.write("fault_server: " + (fmt % args) + "\n")

    # helpers -------------------------------------------------------------
    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def send(self, status, body, ctype="text/plain", extra=None):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, status, obj, extra=None):
        self.send(status, json.dumps(obj), "application/json", extra)

    def creds(self, query, with_code):
        q = {k: v[-1] for k, v in query.items()}
        c = {}
        if with_code:
            c["Code"] = "Success"
            c["LastUpdated"] = datetime.datetime.now(datetime.timezone.utc).strftime(
                "%Y-%m-%dT%H:%M:%SZ")
            c["Type"] = "AWS-HMAC"
        c["AccessKeyId"] = q.get("AccessKeyId", env("FAULT_ACCESS_KEY_ID", "ASIAFAULTSERVER0001"))
        c["SecretAccessKey"] = q.get("SecretAccessKey",
                                     env("FAULT_SECRET_ACCESS_KEY", "fault-secret-key"))
        c["Token"] = q.get("Token", env("FAULT_SESSION_TOKEN", "fault-session-token"))
        c["Expiration"] = q.get("Expiration", env("FAULT_EXPIRATION", default_expiration()))
        return c

    # dispatch ------------------------------------------------------------
    def handle_any(self):
        url = urlsplit(self.path)
        path, query = url.path, parse_qs(url.query)
        with STATS_LOCK:
            STATS["requests"] += 1
            STATS["paths"][path] = STATS["paths"].get(path, 0) + 1
        body = self.read_body()  # always drained: unread input turns close into RST

        if path == "/ok":
            return self.send(200, "hello from fault_server\n", extra={"x-amzn-RequestId": "req-ok"})
        if path == "/echo":
            return self.send_json(200, {"method": self.command, "path": self.path,
                                        "headers": {k.lower(): v for k, v in self.headers.items()},
                                        "body_len": len(body), "body": body.decode("latin-1")},
                                  extra={"x-amz-request-id": "req-echo"})
        if path.startswith("/status/"):
            try:
                status = int(path[len("/status/"):])
            except ValueError:
                status = 400
            return self.send_json(status, {"__type": "FaultStatus", "message": "status %d" % status},
                                  extra={"x-amzn-RequestId": "req-status-%d" % status,
                                         "x-amzn-ErrorType": "FaultStatus"})
        if path == "/throttle":
            if query.get("format", ["json"])[-1] == "xml":
                xml = ("<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
                       "<Error><Type>Sender</Type><Code>Throttling</Code>"
                       "<Message>Rate exceeded</Message></Error>"
                       "<RequestId>req-throttle-xml</RequestId></ErrorResponse>")
                return self.send(400, xml, "text/xml", {"x-amzn-RequestId": "req-throttle-xml"})
            return self.send_json(400, {"__type": "com.amazonaws.sagemaker#ThrottlingException",
                                        "message": "Rate exceeded"},
                                  extra={"x-amzn-RequestId": "req-throttle-json",
                                         "x-amzn-ErrorType": "ThrottlingException:http://internal"})
        if path == "/reset":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"partial")
            self.wfile.flush()
            # SO_LINGER with a zero timeout makes close() send RST, not FIN. Closed
            # here because socketserver would shut down (FIN) before closing.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return None
        if path == "/truncate":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"0123456789")
            self.wfile.flush()
            self.close_connection = True
            return None
        if path == "/slow":
            ms = min(int(query.get("ms", ["1000"])[-1]), MAX_SLOW_MS)
            time.sleep(ms / 1000.0)
            return self.send(200, "slow\n")
        if path == "/big":
            n = min(int(query.get("bytes", ["1024"])[-1]), MAX_BIG_BYTES)
            # chunked=1 hides the size up front, so only the client's running
            # count can enforce its cap.
            chunked = query.get("chunked", ["0"])[-1] == "1"
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.send_header("Content-Length", str(n))
            self.end_headers()
            if self.command == "HEAD":
                return None
            chunk = b"x" * 65536
            while n > 0:
                k = min(n, len(chunk))
                if chunked:
                    self.wfile.write(b"%x\r\n" % k + chunk[:k] + b"\r\n")
                else:
                    self.wfile.write(chunk[:k])
                n -= k
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
            return None
        if path.startswith("/s3rec/"):
            return self.s3rec(path, url.query, body)
        if path == "/stats":
            with STATS_LOCK:
                snap = json.loads(json.dumps(STATS))
            return self.send_json(200, snap)

        # IMDSv2 -----------------------------------------------------------
        token = env("FAULT_IMDS_TOKEN", "fault-imds-token")
        if path == "/latest/api/token":
            if self.command != "PUT":
                return self.send(405, "")
            if not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
                return self.send(400, "missing X-aws-ec2-metadata-token-ttl-seconds\n")
            return self.send(200, token, extra={
                "X-aws-ec2-metadata-token-ttl-seconds":
                    self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")})
        if path.startswith(IMDS_CREDS_PREFIX):
            if self.command != "GET":
                return self.send(405, "")
            if self.headers.get("X-aws-ec2-metadata-token") != token:
                return self.send(401, "")
            role = env("FAULT_IMDS_ROLE", "fault-instance-role")
            rest = path[len(IMDS_CREDS_PREFIX):]
            if rest == "":
                return self.send(200, role)
            if rest != role:
                return self.send(404, "")
            return self.send_json(200, self.creds(query, True))

        # ECS container credentials ---------------------------------------------
        if path == "/ecs/creds":
            want = os.environ.get("FAULT_ECS_AUTH")
            if want and self.headers.get("Authorization") != want:
                return self.send_json(401, {"code": "Unauthorized", "message": "bad token"})
            c = self.creds(query, False)
            c["RoleArn"] = "arn:aws:iam::123456789012:role/fault-task-role"
            return self.send_json(200, c)

        # Scripted JSON 1.1 answers -------------------------------------------
        if path == "/script/set":
            with STATS_LOCK:
                SCRIPT["answers"] = {k: list(v) for k, v in json.loads(body or b"{}").items()}
                SCRIPT["log"] = []
            return self.send_json(200, {})
        if path == "/script/log":
            with STATS_LOCK:
                return self.send_json(200, SCRIPT["log"])
        if path == "/script":
            target = self.headers.get("X-Amz-Target") or ""
            op = target.split(".", 1)[-1]
            with STATS_LOCK:
                SCRIPT["log"].append({"op": op, "body": body.decode("utf-8", "replace")})
                queue = SCRIPT["answers"].get(op) or []
                answer = (queue.pop(0) if len(queue) > 1 else queue[0]) if queue else None
            if answer is None:
                return self.send_json(400, {"__type": "UnknownOperationException",
                                            "message": "fault_server: no script for " + op})
            status, obj = answer
            extra = {"x-amzn-RequestId": "req-script"}
            if status >= 400 and isinstance(obj, dict) and "__type" in obj:
                extra["x-amzn-ErrorType"] = obj["__type"]
            return self.send(status, json.dumps(obj), "application/x-amz-json-1.1", extra)

        # STS ----------------------------------------------------------------
        if path == "/sts":
            form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
            action = form.get("Action", "")
            m = re.search(r"Credential=([^/,]+)/", self.headers.get("Authorization", ""))
            with STATS_LOCK:
                key = "/sts/%s/%s" % (action, m.group(1) if m else "unsigned")
                STATS["paths"][key] = STATS["paths"].get(key, 0) + 1
            ns = "https://sts.amazonaws.com/doc/2011-06-15/"
            if action in ("AssumeRole", "AssumeRoleWithWebIdentity"):
                c = self.creds(query, False)
                xml = ("<{a}Response xmlns=\"{ns}\"><{a}Result><Credentials>"
                       "<AccessKeyId>{k}</AccessKeyId><SecretAccessKey>{s}</SecretAccessKey>"
                       "<SessionToken>{t}</SessionToken><Expiration>{x}</Expiration>"
                       "</Credentials></{a}Result></{a}Response>").format(
                           a=action, ns=ns, k=c["AccessKeyId"], s=c["SecretAccessKey"],
                           t=c["Token"], x=c["Expiration"])
                return self.send(200, xml, "text/xml")
            if action == "GetCallerIdentity":
                xml = ("<GetCallerIdentityResponse xmlns=\"{ns}\"><GetCallerIdentityResult>"
                       "<Account>123456789012</Account></GetCallerIdentityResult>"
                       "</GetCallerIdentityResponse>").format(ns=ns)
                return self.send(200, xml, "text/xml")
            return self.send(400, "<ErrorResponse><Error><Code>InvalidAction</Code></Error>"
                             "</ErrorResponse>", "text/xml")

        # IAM (scripted scenarios) -------------------------------------------
        if path.startswith("/iam/"):
            scenario = path[len("/iam/"):]
            form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
            action = form.get("Action", "")
            with STATS_LOCK:
                key = "/iam/%s/%s" % (scenario, action)
                STATS["paths"][key] = STATS["paths"].get(key, 0) + 1
                if action == "DeletePolicyVersion":
                    vk = key + "/" + form.get("VersionId", "")
                    STATS["paths"][vk] = STATS["paths"].get(vk, 0) + 1
                counts = dict(STATS["paths"])
            status, xml = iam_answer(scenario, action, counts)
            return self.send(status, xml, "text/xml")

        return self.send(404, "no such fault\n")

    def s3rec(self, path, raw_query, body):
        import base64
        import hashlib
        auth = self.headers.get("Authorization", "")
        m = re.search(r"Credential=[^/,]+/[0-9]+/([^/]+)/s3/aws4_request", auth)
        region = m.group(1) if m else ""
        bucket = path[len("/s3rec/"):].split("/", 1)[0]
        md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
        sha = hashlib.sha256(body).hexdigest()
        sent_md5 = self.headers.get("Content-MD5")
        sent_sha = self.headers.get("x-amz-content-sha256")
        rec = {"method": self.command, "path": self.path.split("?", 1)[0], "query": raw_query,
               "headers": {k.lower(): v for k, v in self.headers.items()},
               "body_len": len(body), "md5": md5, "sha256": sha,
               "md5_sent": sent_md5 is not None, "md5_ok": sent_md5 == md5,
               "sha256_ok": sent_sha == sha, "region": region}
        rec["headers"].pop("authorization", None)
        err = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code>" \
              "<Message>%s</Message><RequestId>%s</RequestId></Error>"
        with STATS_LOCK:
            S3_SEEN[bucket] = S3_SEEN.get(bucket, 0) + 1
            first = S3_SEEN[bucket] == 1
        if bucket.startswith("once-aborted-") and first:
            return self.send(409, err % ("OperationAborted", "A conflicting conditional operation "
                                         "is currently in progress against this resource.",
                                         "req-409"), "application/xml")
        if bucket.startswith("once-missing-") and first:
            return self.send(404, err % ("NoSuchBucket", "The specified bucket does not exist",
                                         "req-404"), "application/xml")
        if bucket.startswith("slow-"):
            with STATS_LOCK:
                for b in (bucket, "*"):
                    S3_INFLIGHT[b] = S3_INFLIGHT.get(b, 0) + 1
                    STATS["s3max"][b] = max(STATS["s3max"].get(b, 0), S3_INFLIGHT[b])
            time.sleep(0.3)
            with STATS_LOCK:
                for b in (bucket, "*"):
                    S3_INFLIGHT[b] -= 1
        if bucket == "default-sse" and self.command == "GET" and raw_query == "encryption":
            return self.send(200, "<ServerSideEncryptionConfiguration><Rule>"
                             "<ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256"
                             "</SSEAlgorithm></ApplyServerSideEncryptionByDefault>"
                             "<BucketKeyEnabled>false</BucketKeyEnabled></Rule>"
                             "</ServerSideEncryptionConfiguration>", "application/xml")
        if bucket == "redirect-me" and region != "eu-west-1":
            return self.send(301, err % ("PermanentRedirect", "The bucket you are attempting to "
                                         "access must be addressed using the specified endpoint.",
                                         "req-301"), "application/xml",
                             {"x-amz-bucket-region": "eu-west-1", "x-amz-request-id": "req-301"})
        if bucket == "busy":
            return self.send(409, err % ("OperationAborted", "A conflicting conditional operation "
                                         "is currently in progress against this resource.",
                                         "req-409"), "application/xml",
                             {"x-amz-request-id": "req-409"})
        if bucket == "missing":
            return self.send(404, "" if self.command == "HEAD" else
                             err % ("NoSuchBucket", "The specified bucket does not exist",
                                    "req-404"), "application/xml", {"x-amz-request-id": "req-404"})
        return self.send_json(200, rec, {"ETag": "\"rec-etag\"", "x-amz-request-id": "req-rec"})

    def do_GET(self):
        self.handle_any()

    do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_GET

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (timeout, cap, cancel): that is the test.
            self.close_connection = True


IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/"
IAM_DOC = ("%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A"
           "%22Allow%22%2C%22Action%22%3A%22s3%3AGetObject%22%2C%22Resource%22%3A%22*%22%7D%5D%7D")


def iam_error(status, code, message):
    return status, ("<ErrorResponse xmlns=\"%s\"><Error><Type>Sender</Type><Code>%s</Code>"
                    "<Message>%s</Message></Error><RequestId>fault-iam</RequestId>"
                    "</ErrorResponse>" % (IAM_NS, code, message))


def iam_answer(scenario, action, counts):
    """(status, XML) for one IAM call of a scenario; counts: /stats paths so far."""
    def ok(result=""):
        return 200, ("<{a}Response xmlns=\"{ns}\"><{a}Result>{r}</{a}Result>"
                     "<ResponseMetadata><RequestId>fault-iam</RequestId></ResponseMetadata>"
                     "</{a}Response>").format(a=action, ns=IAM_NS, r=result)
    n = counts.get("/iam/%s/%s" % (scenario, action), 0)
    arn = "arn:aws:iam::123456789012:policy/p"
    if action == "ListPolicyVersions":
        if scenario == "prune":  # the default is the oldest; v9 and v10 made the same second
            vs = [("v1", "01", True), ("v10", "02", False), ("v9", "02", False),
                  ("v11", "03", False), ("v12", "04", False)]
        else:
            vs = [("v1", "01", True), ("v2", "02", False)]
        members = "".join("<member><VersionId>%s</VersionId><IsDefaultVersion>%s"
                          "</IsDefaultVersion><CreateDate>2020-01-%sT00:00:00Z</CreateDate>"
                          "</member>" % (v, "true" if d else "false", day) for v, day, d in vs)
        return ok("<IsTruncated>false</IsTruncated><Versions>%s</Versions>" % members)
    if action == "GetPolicy":
        return ok("<Policy><PolicyName>p</PolicyName><PolicyId>ANPAFAULT</PolicyId><Arn>%s</Arn>"
                  "<Path>/</Path><DefaultVersionId>v1</DefaultVersionId><AttachmentCount>0"
                  "</AttachmentCount><CreateDate>2020-01-01T00:00:00Z</CreateDate></Policy>" % arn)
    if action == "GetPolicyVersion":
        return ok("<PolicyVersion><Document>%s</Document><VersionId>v1</VersionId>"
                  "<IsDefaultVersion>true</IsDefaultVersion></PolicyVersion>" % IAM_DOC)
    if action == "CreatePolicyVersion":
        return ok("<PolicyVersion><VersionId>v13</VersionId><IsDefaultVersion>true"
                  "</IsDefaultVersion></PolicyVersion>")
    if action == "ListPolicyTags":
        return ok("<IsTruncated>false</IsTruncated><Tags/>")
    if action == "DeletePolicy" and scenario == "conflict" and n == 1:
        return iam_error(409, "DeleteConflict", "Cannot delete a policy attached to entities.")
    if action == "PutRolePolicy" and scenario == "notyet" and n <= 2:
        return iam_error(404, "NoSuchEntity", "The role with name r cannot be found.")
    if action == "GetRolePolicy":
        if scenario != "exists" and counts.get("/iam/%s/PutRolePolicy" % scenario, 0) < 3:
            return iam_error(404, "NoSuchEntity", "The role policy with name p cannot be found.")
        return ok("<RoleName>r</RoleName><PolicyName>p</PolicyName><PolicyDocument>%s"
                  "</PolicyDocument>" % IAM_DOC)
    return ok()


class Server(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    tls_context = None

    def handle_error(self, request, client_address):
        # Refused handshakes and vanished clients are what the tests provoke.
        if os.environ.get("FAULT_VERBOSE"):
            super().handle_error(request, client_address)


TMPDIR = None


def leave():
    if TMPDIR:
        shutil.rmtree(TMPDIR, ignore_errors=True)
    os._exit(0)


def make_cert():
    """A throwaway self-signed certificate for 127.0.0.1: (cert, key) paths."""
    global TMPDIR
    TMPDIR = tempfile.mkdtemp(prefix="fault_server_")
    cert, key = os.path.join(TMPDIR, "cert.pem"), os.path.join(TMPDIR, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


def watch_stdin():
    try:
        while sys.stdin.buffer.read(4096):
            pass
    except (OSError, ValueError):
        pass
    leave()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--max-lifetime", type=float, default=300.0)
    ap.add_argument("--tls", action="store_true", help="also serve HTTPS (second stdout line)")
    args = ap.parse_args()

    srv = Server(("127.0.0.1", args.port), Handler)
    tls_line = None
    if args.tls:
        cert, key = make_cert()
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        tls = Server(("127.0.0.1", 0), Handler)
        tls.tls_context = ctx
        threading.Thread(target=tls.serve_forever, kwargs={"poll_interval": 0.2},
                         daemon=True).start()
        tls_line = "tls %d %s" % (tls.server_address[1], cert)
    print(srv.server_address[1], flush=True)
    if tls_line:
        print(tls_line, flush=True)
    signal.signal(signal.SIGTERM, lambda *_: leave())
    threading.Thread(target=watch_stdin, daemon=True).start()
    timer = threading.Timer(args.max_lifetime, leave)
    timer.daemon = True
    timer.start()
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    leave()


if __name__ == "__main__":
    main()
