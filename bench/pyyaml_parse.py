#!/usr/bin/env python3
"""Parse-only baseline: PyYAML's C loader over every .yaml/.yml file under the given paths.

    python3 bench/pyyaml_parse.py DIR...

Lists the files first (sorted), then times only the loop that opens each file and runs
`yaml.load_all(f, Loader=yaml.CSafeLoader)` to the end (interpreter start-up, the import and
the directory walk are outside the timed part; bench/scan.sh times the whole process too).
Prints shell assignments: pyyaml_inner (seconds), pyyaml_files, pyyaml_docs, pyyaml_version.
"""

import os
import sys
import time

import yaml


def manifest_files(paths):
    found = []
    for root in paths:
        for directory, _, names in os.walk(root):
            found.extend(os.path.join(directory, n) for n in names if n.endswith((".yaml", ".yml")))
    return sorted(found)


def main():
    if not hasattr(yaml, "CSafeLoader"):
        print("pyyaml_parse.py: PyYAML was built without libyaml (no yaml.CSafeLoader)", file=sys.stderr)
        sys.exit(2)
    files = manifest_files(sys.argv[1:])
    documents = 0
    started = time.perf_counter()
    for path in files:
        with open(path, "rb") as f:
            for document in yaml.load_all(f, Loader=yaml.CSafeLoader):
                if document is not None:
                    documents += 1
    inner = time.perf_counter() - started
    print(f"pyyaml_inner={inner:.6f}")
    print(f"pyyaml_files={len(files)}")
    print(f"pyyaml_docs={documents}")
    print(f"pyyaml_version={yaml.__version__}")


if __name__ == "__main__":
    main()
