#!/usr/bin/env python3
"""Measure a plugin's CPU time and peak RSS while the Pulumi engine runs it.

The engine starts `pulumi-resource-<name>` from a folder named in Pulumi.yaml.
install() puts a small executable of that name there which runs this file as
a wrapper: the wrapper starts the real binary as its child under the name the
engine started (argv[0] = the stub's path: awsml chooses its package by that
name), with stdin, stdout and stderr inherited (the engine reads the port line
from the plugin itself), waits for it, and appends one line
`<cpu seconds> <peak RSS KiB> <exit code>` to a log from
getrusage(RUSAGE_CHILDREN). ru_maxrss of the one reaped child is
the kernel's high-water mark of its resident set over its whole life: nothing
is sampled, so no short peak is missed. Every start of the plugin adds a line;
read() sums the CPU and takes the largest peak.

Used by bench/bench.py and tests/e2e/test_load.py.

    python3 rusage_wrap.py LOG BINARY ARGV0 [ARGS...]   (what the installed stub runs)
"""
import os
import resource
import shlex
import signal
import subprocess
import sys
from pathlib import Path


def install(plugin_dir, binary, log, names=("awsml",), python=None):
    """Write executables plugin_dir/pulumi-resource-<name> (one per name) that run
    BINARY under the wrapper, logging to LOG. Returns the paths written."""
    plugin_dir, log = Path(plugin_dir), Path(log)
    plugin_dir.mkdir(parents=True, exist_ok=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("")
    py = python or sys.executable
    made = []
    for name in names:
        stub = plugin_dir / f"pulumi-resource-{name}"
        stub.write_text("#!/bin/sh\n"
                        f"exec {shlex.quote(py)} {shlex.quote(str(Path(__file__).resolve()))} "
                        f"{shlex.quote(str(log))} {shlex.quote(str(binary))} \"$0\" \"$@\"\n")
        stub.chmod(0o755)
        made.append(stub)
    return made


def reset(log):
    """Forget earlier runs (call before each measured command)."""
    Path(log).write_text("")


def read(log):
    """{'starts': n, 'cpu_s': summed CPU seconds, 'peak_rss_kib': largest peak,
    'exit_codes': [...]} over the plugin runs logged since the last reset."""
    starts, cpu, peak, codes = 0, 0.0, 0, []
    for line in Path(log).read_text().splitlines():
        parts = line.split()
        if len(parts) != 3:
            continue
        starts += 1
        cpu += float(parts[0])
        peak = max(peak, int(parts[1]))
        codes.append(int(parts[2]))
    return {"starts": starts, "cpu_s": cpu, "peak_rss_kib": peak, "exit_codes": codes}


def _main(argv):
    if len(argv) < 4:
        sys.stderr.write("usage: rusage_wrap.py LOG BINARY ARGV0 [ARGS...]\n")
        return 2
    log, binary, argv_child = argv[1], argv[2], argv[3:]
    # The engine stops plugins with SIGINT/SIGTERM to the process group: the
    # child gets it too; the wrapper must outlive it to write its line.
    for s in (signal.SIGINT, signal.SIGTERM):
        signal.signal(s, signal.SIG_IGN)
    p = subprocess.Popen(argv_child, executable=binary, preexec_fn=_default_signals,
                         close_fds=True)
    code = p.wait()
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = "%.6f %d %d\n" % (r.ru_utime + r.ru_stime, r.ru_maxrss, code)
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())  # one write with O_APPEND: lines never interleave
    finally:
        os.close(fd)
    return code if code >= 0 else 128 - code


def _default_signals():
    for s in (signal.SIGINT, signal.SIGTERM):
        signal.signal(s, signal.SIG_DFL)


if __name__ == "__main__":
    sys.exit(_main(sys.argv))
