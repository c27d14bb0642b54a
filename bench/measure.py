#!/usr/bin/env python3
"""Run a command several times and print its wall time, CPU time and peak memory.

    python3 bench/measure.py --prefix NAME --repeats 5 --warmup 1 --ok 0,1 \
        [--stdout FILE [--append]] -- COMMAND ARGS...

Each run is started with posix_spawn (stdout to FILE, truncated per run unless --append;
/dev/null by default; stderr is inherited) and reaped with wait4, which gives that one child's rusage: ru_maxrss is its peak
resident set size, the figure `/usr/bin/time -v` reports as "Maximum resident set size" (it
reads it the same way), so no extra package is needed. The warm-up runs are not counted.

Prints shell assignments for `eval`, all prefixed with NAME_:
  median, best, worst (wall seconds), cpu (user+sys seconds of the median run),
  rss_mb (largest peak RSS over the counted runs, MB = 10^6 bytes), rc (exit code of the
  last run), runs (space-separated wall seconds of every counted run).
Exits 3 if any run's exit code is not in --ok (after printing which).
"""

import argparse
import os
import shlex
import statistics
import sys
import time


def run_once(argv, stdout_path, append):
    mode = os.O_APPEND if append else os.O_TRUNC
    actions = [(os.POSIX_SPAWN_OPEN, 1, stdout_path, os.O_WRONLY | os.O_CREAT | mode, 0o644)]
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
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    argv = args.command[1:] if args.command and args.command[0] == "--" else args.command
    if not argv:
        parser.error("no command given")
    ok = {int(code) for code in args.ok.split(",")}

    runs = []
    for index in range(args.warmup + args.repeats):
        wall, cpu, rss, rc = run_once(argv, args.stdout, args.append)
        if rc not in ok:
            print(f"measure.py: {shlex.join(argv)} exited {rc} (accepted: {args.ok})", file=sys.stderr)
            sys.exit(3)
        if index >= args.warmup:
            runs.append((wall, cpu, rss, rc))

    walls = sorted(run[0] for run in runs)
    median = statistics.median(walls)
    median_run = min(runs, key=lambda run: abs(run[0] - median))
    p = args.prefix
    print(f"{p}_median={median:.6f}")
    print(f"{p}_best={walls[0]:.6f}")
    print(f"{p}_worst={walls[-1]:.6f}")
    print(f"{p}_cpu={median_run[1]:.6f}")
    print(f"{p}_rss_mb={max(run[2] for run in runs) / 1e6:.1f}")
    print(f"{p}_rc={runs[-1][3]}")
    print(f"{p}_runs={shlex.quote(' '.join(f'{run[0]:.4f}' for run in runs))}")


if __name__ == "__main__":
    main()
