#!/usr/bin/env python3
"""Run a command and print the peak resident memory of each quarter of its run.

    python3 bench/rss_quarters.py [--runs N] -- COMMAND ARGS...

The resident set (VmRSS in /proc/PID/status) is read every 5 ms while the command runs
(stdout to /dev/null); the run is cut into four quarters of equal time, and each quarter's
largest reading is its peak. For a program that streams its input at an even rate, equal
quarters hold equal numbers of events and give the same chances of a passing high reading:
a later quarter's peak above an earlier one's means memory grows with the input. Comparing
whole runs of different lengths would not say that, because the longer run has more chances
of a passing high reading.

Prints shell assignments for `eval` (MB = 10^6 bytes; medians over the runs):
  q1_mb q2_mb q3_mb q4_mb, samples (readings per run, the smallest), runs.
Linux only (it reads /proc).
"""

import argparse
import os
import statistics
import subprocess
import sys
import time


def quarters(argv):
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    status = f"/proc/{child.pid}/status"
    readings = []
    started = time.perf_counter()
    while child.poll() is None:
        try:
            with open(status) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        readings.append((time.perf_counter() - started, int(line.split()[1]) * 1024))
                        break
        except (FileNotFoundError, ProcessLookupError):
            break
        time.sleep(0.005)
    child.wait()
    if child.returncode not in (0, 1):
        sys.exit(f"rss_quarters.py: {argv[0]} exited {child.returncode}")
    if len(readings) < 8:
        sys.exit("rss_quarters.py: the run was too short to read its memory in quarters")
    end = readings[-1][0]
    peaks = [0, 0, 0, 0]
    for at, rss in readings:
        quarter = min(3, int(4 * at / end)) if end > 0 else 0
        peaks[quarter] = max(peaks[quarter], rss)
    return peaks, len(readings)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    argv = args.command[1:] if args.command and args.command[0] == "--" else args.command
    if not argv:
        parser.error("no command given")
    runs = [quarters(argv) for _ in range(args.runs)]
    for index in range(4):
        median = statistics.median(peaks[index] for peaks, _ in runs)
        print(f"q{index + 1}_mb={median / 1e6:.1f}")
    print(f"samples={min(count for _, count in runs)}")
    print(f"runs={args.runs}")


if __name__ == "__main__":
    main()
