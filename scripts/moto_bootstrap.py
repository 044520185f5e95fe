"""moto server with SigV4 checking on, for scripts/with-moto.

  python moto_bootstrap.py serve --port-file F
      Run moto's server on 127.0.0.1 at a port the kernel picks, write the port
      to F once it accepts connections, serve until SIGTERM/SIGINT/SIGHUP (or
      until the parent dies). INITIAL_NO_AUTH_ACTION_COUNT must be in the
      environment before this starts: moto reads it at import.

  python moto_bootstrap.py bootstrap --endpoint URL --out F
      Spend the free (unauthenticated) actions on CreateUser, CreateAccessKey
      and PutUserPolicy (allow everything), then prove with STS
      GetCallerIdentity that the new key is accepted, and write
      "ACCESS_KEY_ID SECRET_ACCESS_KEY" to F (mode 0600).
"""

import argparse
import ctypes
import json
import os
import signal
import sys

# Exactly the number of requests bootstrap() makes before the key exists.
FREE_ACTIONS = 3
USER = "awsml-test"
REGION = "us-east-1"


def _die_with_parent():
    """Ask the kernel to SIGTERM us when the parent (with-moto) goes away."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def serve(args):
    if "INITIAL_NO_AUTH_ACTION_COUNT" not in os.environ:
        sys.exit("moto_bootstrap: INITIAL_NO_AUTH_ACTION_COUNT is not set; refusing to run "
                 "moto without signature checking")
    _die_with_parent()
    stop_signals = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP}
    # Block them before the server thread starts so only sigwait() sees them.
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)

    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()  # returns once the socket is bound and listening
    _, port = server.get_host_and_port()
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{port}\n")
    os.rename(tmp, args.port_file)
    print(f"moto: listening on 127.0.0.1:{port}", file=sys.stderr, flush=True)

    sig = signal.sigwait(stop_signals)
    print(f"moto: stopping on signal {sig}", file=sys.stderr, flush=True)
    server.stop()


def bootstrap(args):
    import boto3
    from botocore.config import Config

    cfg = Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=60)

    def client(service, key_id, secret):
        return boto3.client(service, endpoint_url=args.endpoint, region_name=REGION,
                            aws_access_key_id=key_id, aws_secret_access_key=secret, config=cfg)

    # Any credentials do for the free actions; the signature is not checked yet.
    iam = client("iam", "bootstrap", "bootstrap")
    iam.create_user(UserName=USER)
    key = iam.create_access_key(UserName=USER)["AccessKey"]
    iam.put_user_policy(
        UserName=USER,
        PolicyName="allow-everything",
        PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        }),
    )
    # From here on every request is verified: check that ours passes.
    ident = client("sts", key["AccessKeyId"], key["SecretAccessKey"]).get_caller_identity()
    if not ident.get("Arn", "").endswith(f":user/{USER}"):
        sys.exit(f"moto_bootstrap: unexpected caller identity {ident.get('Arn')!r}")

    fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(f"{key['AccessKeyId']} {key['SecretAccessKey']}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--port-file", required=True)
    b = sub.add_parser("bootstrap")
    b.add_argument("--endpoint", required=True)
    b.add_argument("--out", required=True)
    args = ap.parse_args()
    {"serve": serve, "bootstrap": bootstrap}[args.cmd](args)


if __name__ == "__main__":
    main()
