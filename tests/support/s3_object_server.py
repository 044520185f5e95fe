#!/usr/bin/env python3
"""A small in-memory S3 (path-style, objects and multipart uploads) that records every
request, for the unit tests of aws/s3_upload.c and resources/s3_object.c. Standard library
only. Binds 127.0.0.1:0, prints the port as the first stdout line, exits when stdin closes
or after --max-lifetime seconds.

Every request body is read in chunks and hashed (never kept whole, except objects up to
1 MiB, whose bytes GET returns); the record says whether Content-MD5, x-amz-content-sha256
and x-amz-checksum-sha256/-sha1/-crc32 match the body received.

  GET  /_log                 JSON list of the records so far ({method, path, query, body_len,
                             md5_ok, sha256_ok, checksum_ok, checksum_sent, checksum_type,
                             has_md5, content_sha256})
  GET  /_uploads             JSON list of the multipart uploads neither completed nor aborted
  PUT /<b>/<k>               PutObject (x-amz-* and Content-* headers kept)
  HEAD/GET /<b>/<k>          HeadObject / GetObject (checksums with x-amz-checksum-mode)
  GET /<b>/<k>?tagging       GetObjectTagging (from x-amz-tagging), PUT ?tagging replaces
  DELETE /<b>/<k>            DeleteObject
  POST ?uploads, PUT ?partNumber=&uploadId=, POST ?uploadId=, DELETE ?uploadId=   multipart

Buckets that misbehave:
  fail-part-2   UploadPart 2 answers 400 InvalidPart (not retried)
  lost          PutObject stores the object, then drops the connection without answering
  kms           objects report SSE-KMS and an ETag that is not the MD5 of the content
  slow          UploadPart answers after 2 s (a client can be cancelled meanwhile)
  eventual      the first HeadObject after a PutObject answers 404 NoSuchKey (read-after-write lag)
"""
import argparse
import base64
import hashlib
import json
import os
import socketserver
import sys
import threading
import time
import uuid
import zlib
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape

LOCK = threading.Lock()
LOG = []
OBJECTS = {}   # (bucket, key) -> dict
UPLOADS = {}   # upload id -> {bucket, key, headers, parts: {n: {...}}}
KEEP_MAX = 1024 * 1024
XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"
KEPT = ("content-type", "cache-control", "content-disposition", "content-encoding",
        "content-language", "x-amz-server-side-encryption",
        "x-amz-server-side-encryption-aws-kms-key-id",
        "x-amz-server-side-encryption-bucket-key-enabled", "x-amz-storage-class",
        "x-amz-website-redirect-location", "x-amz-tagging", "x-amz-acl")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        if os.environ.get("S3OBJ_VERBOSE"):
            sys.stderr.write("s3_object_server: " + (fmt % args) + "\n")

    def read_hashed(self):
        n = int(self.headers.get("Content-Length") or 0)
        sha, md5, sha1 = hashlib.sha256(), hashlib.md5(), hashlib.sha1()
        kept = bytearray()
        crc32 = 0
        left = n
        while left > 0:
            chunk = self.rfile.read(min(left, 1 << 20))
            if not chunk:
                break
            left -= len(chunk)
            sha.update(chunk)
            md5.update(chunk)
            sha1.update(chunk)
            crc32 = zlib.crc32(chunk, crc32)
            if len(kept) + len(chunk) <= KEEP_MAX:
                kept += chunk
        got = n - left
        return {"len": got, "sha": sha.digest(), "md5": md5.digest(), "sha1": sha1.digest(),
                "crc32": crc32.to_bytes(4, "big"),
                "bytes": bytes(kept) if got <= KEEP_MAX else None}

    def record(self, body, query):
        h = self.headers
        md5 = base64.b64encode(body["md5"]).decode()
        ck_ok = None
        if h.get("x-amz-checksum-sha256") is not None:
            ck_ok = h.get("x-amz-checksum-sha256") == base64.b64encode(body["sha"]).decode()
        elif h.get("x-amz-checksum-sha1") is not None:
            ck_ok = h.get("x-amz-checksum-sha1") == base64.b64encode(body["sha1"]).decode()
        elif h.get("x-amz-checksum-crc32") is not None:
            ck_ok = h.get("x-amz-checksum-crc32") == base64.b64encode(body["crc32"]).decode()
        rec = {"method": self.command, "path": urlsplit(self.path).path, "query": query,
               "body_len": body["len"], "has_md5": h.get("Content-MD5") is not None,
               "md5_ok": h.get("Content-MD5") == md5,
               "content_sha256": h.get("x-amz-content-sha256"),
               "sha256_ok": h.get("x-amz-content-sha256") == body["sha"].hex(),
               "checksum_ok": ck_ok,
               "checksum_sent": next((v for k, v in h.items()
                                      if k.lower().startswith("x-amz-checksum-")
                                      and k.lower() not in ("x-amz-checksum-mode",
                                                            "x-amz-checksum-algorithm",
                                                            "x-amz-checksum-type")), None),
               "checksum_type": h.get("x-amz-checksum-type")}
        with LOCK:
            LOG.append(rec)

    def send(self, status, body=b"", ctype="application/xml", extra=None):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amz-request-id", "req-s3obj")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def error(self, status, code, msg):
        body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code>"
                f"<Message>{escape(msg)}</Message><RequestId>req-s3obj</RequestId></Error>")
        return self.send(status, "" if self.command == "HEAD" else body)

    def object_headers(self):
        out = {k: v for k, v in ((k.lower(), v) for k, v in self.headers.items())
               if k in KEPT or k.startswith("x-amz-meta-")}
        return out

    def handle_any(self):
        u = urlsplit(self.path)
        q = parse_qs(u.query, keep_blank_values=True)
        if u.path == "/_log":
            with LOCK:
                return self.send(200, json.dumps(LOG), "application/json")
        if u.path == "/_uploads":
            with LOCK:
                return self.send(200, json.dumps(sorted(UPLOADS)), "application/json")
        body = self.read_hashed()
        self.record(body, u.query)
        parts = u.path.lstrip("/").split("/", 1)
        bucket = parts[0]
        key = unquote(parts[1]) if len(parts) > 1 else ""
        m = self.command
        if "uploads" in q and m == "POST":
            uid = uuid.uuid4().hex
            with LOCK:
                UPLOADS[uid] = {"bucket": bucket, "key": key, "headers": self.object_headers(),
                                "parts": {}}
            return self.send(200, f"<InitiateMultipartUploadResult xmlns=\"{XMLNS}\"><Bucket>"
                             f"{bucket}</Bucket><Key>{escape(key)}</Key><UploadId>{uid}</UploadId>"
                             "</InitiateMultipartUploadResult>")
        if "uploadId" in q:
            uid = q["uploadId"][0]
            with LOCK:
                up = UPLOADS.get(uid)
            if up is None:
                return self.error(404, "NoSuchUpload", "no such upload")
            if m == "PUT":
                n = int(q["partNumber"][0])
                if bucket == "fail-part-2" and n == 2:
                    return self.error(400, "InvalidPart", "part 2 is refused by the test")
                if bucket == "slow":
                    time.sleep(2)
                etag = '"' + body["md5"].hex() + '"'
                with LOCK:
                    up["parts"][n] = {"etag": etag, "md5": body["md5"], "sha": body["sha"],
                                      "len": body["len"]}
                return self.send(200, "", extra={"ETag": etag})
            if m == "DELETE":
                with LOCK:
                    UPLOADS.pop(uid, None)
                return self.send(204)
            if m == "POST":
                with LOCK:
                    UPLOADS.pop(uid, None)
                nums = sorted(up["parts"])
                etag = hashlib.md5(b"".join(up["parts"][i]["md5"] for i in nums)).hexdigest()
                etag = f'"{etag}-{len(nums)}"'
                ck = base64.b64encode(hashlib.sha256(
                    b"".join(up["parts"][i]["sha"] for i in nums)).digest()).decode()
                obj = {"headers": up["headers"], "etag": etag, "len": sum(
                    up["parts"][i]["len"] for i in nums), "bytes": None,
                       "checksum": f"{ck}-{len(nums)}", "mtime": time.time()}
                with LOCK:
                    OBJECTS[(bucket, key)] = obj
                return self.send(200, f"<CompleteMultipartUploadResult xmlns=\"{XMLNS}\">"
                                 f"<Bucket>{bucket}</Bucket><Key>{escape(key)}</Key><ETag>"
                                 f"{escape(etag)}</ETag></CompleteMultipartUploadResult>")
        if "tagging" in q:
            with LOCK:
                obj = OBJECTS.get((bucket, key))
            if obj is None:
                return self.error(404, "NoSuchKey", "no such key")
            if m == "PUT":
                return self.send(200)
            tags = parse_qs(obj["headers"].get("x-amz-tagging", ""), keep_blank_values=True)
            ts = "".join(f"<Tag><Key>{escape(k)}</Key><Value>{escape(v[0])}</Value></Tag>"
                         for k, v in sorted(tags.items()))
            return self.send(200, f"<Tagging xmlns=\"{XMLNS}\"><TagSet>{ts}</TagSet></Tagging>")
        if m == "PUT":
            etag = '"' + (uuid.uuid4().hex if bucket == "kms" else body["md5"].hex()) + '"'
            hdrs = self.object_headers()
            if bucket == "kms":
                hdrs["x-amz-server-side-encryption"] = "aws:kms"
            ck = self.headers.get("x-amz-checksum-sha256")
            with LOCK:
                OBJECTS[(bucket, key)] = {"headers": hdrs, "etag": etag, "len": body["len"],
                                          "bytes": body["bytes"], "checksum": ck,
                                          "mtime": time.time(), "hide": bucket == "eventual"}
            if bucket == "lost":
                self.close_connection = True
                self.connection.shutdown(2)
                return None
            return self.send(200, "", extra={"ETag": etag})
        if m in ("HEAD", "GET"):
            with LOCK:
                obj = OBJECTS.get((bucket, key))
            if obj is not None and obj.get("hide"):
                obj["hide"] = False
                obj = None
            if obj is None:
                return self.error(404, "NoSuchKey", "no such key")
            extra = dict(obj["headers"])
            extra.pop("x-amz-tagging", None)
            extra.pop("x-amz-acl", None)
            extra["ETag"] = obj["etag"]
            extra["Last-Modified"] = formatdate(obj["mtime"], usegmt=True)
            if obj["checksum"] and self.headers.get("x-amz-checksum-mode") == "ENABLED":
                extra["x-amz-checksum-sha256"] = obj["checksum"]
            ctype = extra.pop("content-type", "binary/octet-stream")
            data = obj["bytes"] if obj["bytes"] is not None else b""
            return self.send(200, data, ctype, extra)
        if m == "DELETE":
            with LOCK:
                OBJECTS.pop((bucket, key), None)
            return self.send(204)
        return self.error(400, "NotImplemented", f"s3_object_server: {m} {self.path}")

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True


class Server(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-lifetime", type=float, default=300)
    a = ap.parse_args()
    srv = Server(("127.0.0.1", 0), Handler)
    print(srv.server_address[1], flush=True)

    def watch():
        try:
            while sys.stdin.read(1):
                pass
        finally:
            os._exit(0)

    threading.Thread(target=watch, daemon=True).start()
    threading.Timer(a.max_lifetime, lambda: os._exit(0)).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
