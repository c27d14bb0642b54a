#!/usr/bin/env python3
"""Run a command several times and print its wall time, CPU time and peak memory.

    python3 bench/measure.py --prefix NAME --repeats 5 --warmup 1 --ok 0,1 \
        [--stdout FILE [--append]] [--stderr FILE] -- COMMAND ARGS...

Wall and CPU time: each run is started with posix_spawn (stdout to FILE, truncated per run
unless --append, /dev/null by default; stderr is inherited unless --stderr, whose last 20
lines are shown if a run fails) and reaped with wait4, which gives that one child's rusage.
The warm-up runs are not counted.

Peak memory: if /usr/bin/time (GNU time, Debian package `time`) exists, --rss-runs extra runs
(default 1) go through `/usr/bin/time -f %M` and the largest is reported (rss_source=gnu-time),
or their median with --rss-stat median (the peak of a multi-threaded program varies from run to
run with the timing of its threads).
Without it (or with MEASURE_RSS=wait4 in the environment) the wait4 ru_maxrss of the timed
runs is used (rss_source=wait4). Both read the same kernel counter, but a child spawned from
this Python process starts its life in Python's memory, and Linux carries the high-water mark
of that memory over the exec: wait4 figures at or below this process's own peak (printed as
rss_floor_mb, about 15 MB) are that floor, not the child's. GNU time forks from a ~1 MB
process, so its floor is negligible.

Prints shell assignments for `eval`, all prefixed with NAME_:
  median, best, worst (wall seconds), cpu (user+sys seconds of the median run),
  rss_mb (peak RSS, MB = 10^6 bytes; the largest, or the median with --rss-stat median),
  rss_min_mb and rss_max_mb (the range of the runs' peaks), rss_source (gnu-time or wait4), rss_wait4_mb (largest
  wait4 ru_maxrss of the counted runs), rss_floor_mb, rc (exit code of the last run), runs
  (space-separated wall seconds of every counted run).
Exits 3 if any run's exit code is not in --ok (after printing which).
"""

import argparse
import os
import resource
import shlex
import statistics
import sys
import tempfile
import time


def run_once(argv, stdout_path, append, stderr_path):
    mode = os.O_APPEND if append else os.O_TRUNC
    actions = [(os.POSIX_SPAWN_OPEN, 1, stdout_path, os.O_WRONLY | os.O_CREAT | mode, 0o644)]
    if stderr_path:
        actions.append((os.POSIX_SPAWN_OPEN, 2, stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644))
    started = time.perf_counter()
    pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=actions)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - started
    rc = os.waitstatus_to_exitcode(status)
    # Linux reports ru_maxrss in KiB.
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, rc


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--ok", default="0", help="comma-separated accepted exit codes")
    parser.add_argument("--stdout", default=os.devnull)
    parser.add_argument("--append", action="store_true", help="append every run's stdout to --stdout")
    parser.add_argument("--stderr", help="send stderr here (last run kept) instead of inheriting it")
    parser.add_argument("--rss-runs", type=int, default=1, help="extra runs under /usr/bin/time for peak RSS")
    parser.add_argument("--rss-stat", choices=("max", "median"), default="max",
                        help="which of the runs' peaks to report as rss_mb (rss_min_mb and rss_max_mb give the range)")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    argv = args.command[1:] if args.command and args.command[0] == "--" else args.command
    if not argv:
        parser.error("no command given")
    ok = {int(code) for code in args.ok.split(",")}

    runs = []
    for index in range(args.warmup + args.repeats):
        wall, cpu, rss, rc = run_once(argv, args.stdout, args.append, args.stderr)
        if rc not in ok:
            print(f"measure.py: {shlex.join(argv)} exited {rc} (accepted: {args.ok})", file=sys.stderr)
            if args.stderr:
                with open(args.stderr, errors="replace") as f:
                    sys.stderr.write("".join(f.readlines()[-20:]))
            sys.exit(3)
        if index >= args.warmup:
            runs.append((wall, cpu, rss, rc))

    wait4_rss = max(run[2] for run in runs) / 1e6
    floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6
    gnu_time = "/usr/bin/time"
    if os.access(gnu_time, os.X_OK) and args.rss_runs > 0 and os.environ.get("MEASURE_RSS") != "wait4":
        rss_source = "gnu-time"
        handle, report = tempfile.mkstemp(prefix="measure-", suffix=".time")
        os.close(handle)
        peaks = []
        for _ in range(args.rss_runs):
            _, _, _, rc = run_once([gnu_time, "-f", "%M", "-o", report, *argv], args.stdout, args.append, args.stderr)
            if rc not in ok:
                print(f"measure.py: under {gnu_time}, {shlex.join(argv)} exited {rc}", file=sys.stderr)
                sys.exit(3)
            with open(report) as f:
                # GNU time writes "Command exited with non-zero status N" first when rc != 0
                peaks.append(int(f.read().split()[-1]) * 1024 / 1e6)
        os.unlink(report)
    else:
        rss_source, peaks = "wait4", [run[2] / 1e6 for run in runs]
    rss = statistics.median(peaks) if args.rss_stat == "median" else max(peaks)

    walls = sorted(run[0] for run in runs)
    median = statistics.median(walls)
    median_run = min(runs, key=lambda run: abs(run[0] - median))
    p = args.prefix
    print(f"{p}_median={median:.6f}")
    print(f"{p}_best={walls[0]:.6f}")
    print(f"{p}_worst={walls[-1]:.6f}")
    print(f"{p}_cpu={median_run[1]:.6f}")
    print(f"{p}_rss_mb={rss:.1f}")
    print(f"{p}_rss_min_mb={min(peaks):.1f}")
    print(f"{p}_rss_max_mb={max(peaks):.1f}")
    print(f"{p}_rss_source={rss_source}")
    print(f"{p}_rss_wait4_mb={wait4_rss:.1f}")
    print(f"{p}_rss_floor_mb={floor:.1f}")
    print(f"{p}_rc={runs[-1][3]}")
    print(f"{p}_runs={shlex.quote(' '.join(f'{run[0]:.4f}' for run in runs))}")


if __name__ == "__main__":
    main()
