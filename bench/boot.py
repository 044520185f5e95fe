#!/usr/bin/env python3
"""Boot time (exec to the port line) and idle RSS of a plugin binary, beside
the same figures for an empty gRPC C-core server linked the same way.

    python3 bench/boot.py [RUNS]       (after `make bench-bin`)

Figures, not assertions: printed as a table for the README and notes."""
import os
import statistics
import subprocess
import sys
import time

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 30
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARIES = {
    "pulumi-resource-awsml": os.path.join(ROOT, "bin", "pulumi-resource-awsml"),
    "empty gRPC server": os.path.join(ROOT, "build", "bench", "empty_server"),
}


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def measure(path):
    times, rss = [], []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        p = subprocess.Popen([path], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        line = p.stdout.readline()
        times.append((time.perf_counter() - t0) * 1000)
        assert line.strip().isdigit(), line
        time.sleep(0.2)  # let it settle into idle before reading its memory
        rss.append(rss_kib(p.pid) / 1024)
        p.terminate()
        p.wait()
    return statistics.median(times), statistics.median(rss)


print(f"{'binary':28} {'exec->port (median ms)':>24} {'idle RSS (MiB)':>16}")
for name, path in BINARIES.items():
    ms, mib = measure(path)
    print(f"{name:28} {ms:24.1f} {mib:16.1f}")
