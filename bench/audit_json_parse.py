#!/usr/bin/env python3
"""Parse-only baseline for bench/audit.sh: Python's `json.loads` on every non-blank line.

    python3 bench/audit_json_parse.py FILE

Times only the loop that reads the file line by line (binary) and runs `json.loads` on each
non-blank line (interpreter start-up and imports are outside the timed part; bench/audit.sh
times the whole process too). Nothing is checked or kept: it is the least a Python tool must do.
Prints shell assignments: py_inner (seconds), py_events, py_version.
"""

import json
import sys
import time


def main():
    if len(sys.argv) != 2:
        print("usage: audit_json_parse.py FILE", file=sys.stderr)
        sys.exit(2)
    events = 0
    started = time.perf_counter()
    with open(sys.argv[1], "rb") as f:
        for line in f:
            if line.strip():
                json.loads(line)
                events += 1
    inner = time.perf_counter() - started
    print(f"py_inner={inner:.6f}")
    print(f"py_events={events}")
    print(f"py_version={sys.version.split()[0]}")


if __name__ == "__main__":
    main()
