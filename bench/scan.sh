#!/usr/bin/env bash
# End-to-end benchmark of `palisade scan` on a generated corpus, against a parse-only ceiling
# (palisade-load's parse_only example) and PyYAML's C loader, plus peak memory.
#
# Usage (from anywhere; it works from the repository root):
#   bench/scan.sh [--repeats N] [--small-repeats N] [--quick] [--with-checkov] [--no-build]
#
#   --repeats N        counted runs per measurement after one warm-up (default 5)
#   --small-repeats N  counted runs of the one-small-file scan (default 50)
#   --quick            --repeats 3 --small-repeats 20
#   --with-checkov     also pip-install checkov==3.3.30 into bench/out/checkov-venv and time it
#                      on a 500-file subset (slow; needs PyPI; off by default)
#   --no-build         skip `cargo build` (use the binaries already in target/release)
#
# Everything it writes goes to bench/out/ (gitignored): the corpus in bench/out/gen
# (5,000 files from bench/generate.py, fixed seed, in part0..part3 of 1,250 files each).
# Needs: cargo, python3 with PyYAML built with libyaml (yaml.CSafeLoader) for the PyYAML
# baseline (skipped with a message if missing). Times come from bench/measure.py
# (posix_spawn + wait4); peak RSS from /usr/bin/time (Debian package `time`) when present,
# else from wait4's ru_maxrss, which has a ~15 MB floor (see bench/measure.py).
# All ratios are computed from figures of this one run (the machine may be noisy).
set -euo pipefail

repeats=5
small_repeats=50
with_checkov=0
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --repeats) repeats="$2"; shift 2 ;;
    --small-repeats) small_repeats="$2"; shift 2 ;;
    --quick) repeats=3; small_repeats=20; shift ;;
    --with-checkov) with_checkov=1; shift ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "scan.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

cd "$(dirname "$0")/.."
out=bench/out
gen=$out/gen
target_dir=${CARGO_TARGET_DIR:-target}  # honour a shared build directory
palisade=$target_dir/release/palisade
parse_only=$target_dir/release/examples/parse_only
realworld=../shared/corpus/realworld
seed=20240601
mkdir -p "$out"

# measure --prefix NAME ...: bench/measure.py, with the command's stderr kept in $out/NAME.stderr
measure() { python3 bench/measure.py --stderr "$out/$2.stderr" "$@"; }
# progress LABEL PREFIX: one line as soon as a measurement is done (the figures come at the end)
progress() {
  local median="${2}_median" best="${2}_best" rss="${2}_rss_mb"
  printf '  %-34s %8.4f s median, %8.4f s best, peak %6.1f MB\n' "$1" "${!median}" "${!best}" "${!rss}"
}
# calc EXPR [FORMAT]: floating-point arithmetic (awk), printed with FORMAT (default %.2f).
calc() { awk "BEGIN { printf \"${2:-%.2f}\", $1 }"; }
# thousands N: 35000 -> 35,000
thousands() { printf "%.0f" "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta'; }
bytes_of() { find "$@" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) -printf '%s\n' | awk '{ s += $1 } END { printf "%d", s }'; }
# summary FILE: shell assignments from the `summary` of a palisade JSON report
summary() {
  python3 - "$1" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
print(f"sum_files={s['files']} sum_objects={s['objects']} sum_findings={s['findings']} sum_errors={s['errors']} sum_skipped={s['skippedDocuments']}")
EOF
}

cpu_model=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
cpu_detail="family $(grep -m1 'cpu family' /proc/cpuinfo | sed 's/.*: //') model $(grep -m1 '^model[[:space:]]*:' /proc/cpuinfo | sed 's/.*: //')"
if grep -qw hypervisor /proc/cpuinfo; then cpu_detail="$cpu_detail, virtual machine"; fi
echo "== palisade scan benchmark"
echo "machine: $(nproc) cores, $cpu_model ($cpu_detail), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "tools: $(rustc --version 2>/dev/null || echo 'rustc ?'), $(python3 --version 2>&1)"
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown) (the working tree may have uncommitted changes)"
echo "repeats: $repeats counted runs after 1 warm-up per measurement (median and best shown); small file: $small_repeats"

if [ "$build" = 1 ]; then
  echo "-- building (cargo build --release -p palisade -p palisade-load --bins --examples)"
  # --bins is needed with --examples, or cargo builds only the examples.
  if ! cargo build --release -p palisade -p palisade-load --bins --examples > "$out/build.log" 2>&1; then
    tail -n 30 "$out/build.log" >&2
    echo "scan.sh: cargo build failed (full log: $out/build.log)" >&2
    exit 1
  fi
  tail -n 1 "$out/build.log"
fi
for binary in "$palisade" "$parse_only"; do
  [ -x "$binary" ] || { echo "scan.sh: $binary is missing (build failed, or --no-build without a build)" >&2; exit 1; }
done
# Freeze the binaries: a cargo build by someone else in the same target/ during the run must
# not swap them between measurements.
mkdir -p "$out/bin"
cp "$palisade" "$parse_only" "$out/bin/"
palisade=$out/bin/palisade
parse_only=$out/bin/parse_only

echo "-- generating 5,000 files (python3 bench/generate.py, seed $seed)"
python3 bench/generate.py --out "$gen" --count 5000 --per-part 1250 --seed "$seed"
gen_bytes=$(bytes_of "$gen")
gen_mb=$(calc "$gen_bytes / 1e6")
first_file=$gen/part0/app-00000.yaml
echo "corpus: 5000 files, $gen_bytes bytes = $gen_mb MB (mean $(calc "$gen_bytes / 5000" %.0f) bytes/file)"

# Sanity: every file loads, and the scan finds something.
"$parse_only" "$gen" --errors > "$out/parse_only.txt"
parse_errors=$(sed -n 's/.* \([0-9]*\) errors,.*/\1/p' "$out/parse_only.txt" | head -n 1)
if [ "$parse_errors" != 0 ]; then
  echo "scan.sh: parse_only reports $parse_errors load errors on the generated corpus:" >&2
  cat "$out/parse_only.txt" >&2
  exit 1
fi
set +e
"$palisade" scan "$gen" -o json --no-config > "$out/gen-report.json" 2> "$out/gen-report.stderr"
rc=$?
set -e
if [ "$rc" != 1 ]; then
  echo "scan.sh: palisade scan of the corpus exited $rc (expected 1: findings, no errors)" >&2
  tail -n 20 "$out/gen-report.stderr" >&2
  exit 1
fi
eval "$(summary "$out/gen-report.json")"
if [ "$sum_errors" != 0 ] || [ "$sum_findings" = 0 ] || [ "$sum_files" != 5000 ]; then
  echo "scan.sh: unexpected scan summary: $sum_files files, $sum_objects objects, $sum_findings findings, $sum_errors errors" >&2
  exit 1
fi
gen_objects=$sum_objects
gen_findings=$sum_findings
echo "check: 0 load errors; scan: $sum_files files, $gen_objects objects, $(thousands "$gen_findings") findings, 0 errors, JSON report $(calc "$(stat -c %s "$out/gen-report.json") / 1e6" %.1f) MB; table report $("$palisade" scan "$gen" --no-config --color never 2>/dev/null | wc -c | awk '{ printf "%.1f", $1 / 1e6 }') MB"
echo "(exit code 1 is expected from every scan below: the corpus has findings)"

echo "-- timing"
# (a) end to end, JSON to /dev/null (--output-file /dev/null cannot work: the report is
# written atomically through a temporary file in the target's directory).
eval "$(measure --prefix json --repeats "$repeats" --ok 1 -- "$palisade" scan "$gen" -o json --no-config)"
progress "(a) scan 5000, -o json" json
# (b) the same with the table
eval "$(measure --prefix table --repeats "$repeats" --ok 1 -- "$palisade" scan "$gen" -o table --no-config --color never)"
progress "(b) scan 5000, -o table" table
# (c) parse-only ceiling, timed outside and by itself (its last run's line is kept)
eval "$(measure --prefix parse --repeats "$repeats" --ok 0 --stdout "$out/parse_only.txt" -- "$parse_only" "$gen")"
progress "(c) parse_only 5000" parse
parse_line=$(cat "$out/parse_only.txt")
# (d) PyYAML CSafeLoader, a fresh python process per run; inner parse-loop times appended
have_pyyaml=0
if python3 -c 'import yaml; yaml.CSafeLoader' 2>/dev/null; then
  have_pyyaml=1
  : > "$out/pyyaml.txt"
  eval "$(measure --prefix pyproc --repeats "$repeats" --ok 0 --stdout "$out/pyyaml.txt" --append -- python3 bench/pyyaml_parse.py "$gen")"
  progress "(d) PyYAML, whole process" pyproc
  # lines: 1 warm-up, $repeats timed runs, then the /usr/bin/time run if any; median of the timed
  py_inner=$(grep '^pyyaml_inner=' "$out/pyyaml.txt" | sed -n "2,$((repeats + 1))p" | cut -d= -f2 | sort -g | awk '{ v[NR] = $1 } END { printf "%.6f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
  py_inner_best=$(grep '^pyyaml_inner=' "$out/pyyaml.txt" | sed -n "2,$((repeats + 1))p" | cut -d= -f2 | sort -g | head -n 1)
  eval "$(grep -E '^pyyaml_(docs|files|version)=' "$out/pyyaml.txt" | tail -n 3)"
else
  echo "PyYAML with libyaml is not importable (pip install pyyaml, with libyaml-dev present): skipping the PyYAML baseline"
fi
# (e) one small file
eval "$(measure --prefix small --repeats "$small_repeats" --warmup 3 --ok 1 -- "$palisade" scan "$first_file" -o json --no-config)"
progress "(e) one small file" small

echo "-- memory growth (peak RSS, JSON to /dev/null, 3 runs each)"
eval "$(measure --prefix m1250 --repeats 3 --ok 1 -- "$palisade" scan "$gen/part0" -o json --no-config)"
progress "1250 files" m1250
eval "$(measure --prefix m2500 --repeats 3 --ok 1 -- "$palisade" scan "$gen/part0" "$gen/part1" -o json --no-config)"
progress "2500 files" m2500
eval "$(measure --prefix m5000 --repeats 3 --ok 1 -- "$palisade" scan "$gen" -o json --no-config)"
progress "5000 files" m5000
eval "$(measure --prefix mparse --repeats 3 --ok 0 -- "$parse_only" "$gen")"
progress "parse_only 5000 files" mparse

# (f) the real-world corpus
have_realworld=0
if [ -d "$realworld" ]; then
  have_realworld=1
  rw_bytes=$(bytes_of "$realworld")
  set +e
  "$palisade" scan "$realworld" -o json --no-config > "$out/realworld-report.json" 2> "$out/realworld-report.stderr"
  rw_rc=$?
  set -e
  if [ "$rw_rc" -gt 2 ]; then
    echo "scan.sh: palisade scan $realworld exited $rw_rc" >&2
    tail -n 20 "$out/realworld-report.stderr" >&2
    exit 1
  fi
  eval "$(summary "$out/realworld-report.json")"
  rw_files=$sum_files rw_objects=$sum_objects rw_findings=$sum_findings rw_errors=$sum_errors rw_skipped=$sum_skipped
  eval "$(measure --prefix rw --repeats "$repeats" --ok 0,1,2 -- "$palisade" scan "$realworld" -o json --no-config)"
  progress "(f) realworld scan" rw
  eval "$(measure --prefix rwparse --repeats "$repeats" --ok 0 --stdout "$out/realworld-parse.txt" -- "$parse_only" "$realworld")"
  progress "(f) realworld parse_only" rwparse
fi

# (g) optional: checkov on a 500-file subset
have_checkov=0
if [ "$with_checkov" = 1 ]; then
  venv=$out/checkov-venv
  if [ ! -x "$venv/bin/checkov" ]; then
    echo "-- installing checkov==3.3.30 into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check checkov==3.3.30
  fi
  subset=$out/gen500
  rm -rf "$subset"; mkdir -p "$subset"
  find "$gen/part0" -name '*.yaml' | sort | head -n 500 | xargs cp -t "$subset"
  subset_mb=$(calc "$(bytes_of "$subset") / 1e6")
  echo "-- timing checkov on 500 files (1 warm-up + 3 runs; this is slow)"
  eval "$(measure --prefix ck --repeats 3 --ok 0,1 -- "$venv/bin/checkov" -d "$subset" --framework kubernetes --quiet --compact -o json --skip-download)"
  progress "checkov, 500 files" ck
  eval "$(measure --prefix p500 --repeats "$repeats" --ok 1 -- "$palisade" scan "$subset" -o json --no-config)"
  progress "palisade, 500 files" p500
  have_checkov=1
fi

# ---------------------------------------------------------------- figures
ms() { calc "$1 * 1000" "${2:-%.1f}"; }
rate_line() { # seconds files objects bytes
  echo "$(thousands "$(calc "$2 / $1" %.0f)") files/s, $(thousands "$(calc "$3 / $1" %.0f)") objects/s, $(calc "$4 / 1e6 / $1" %.1f) MB/s"
}
echo
echo "== figures ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $cpu_model ($cpu_detail))"
echo "scan 5000 files ($gen_mb MB), -o json: $(calc "$json_median" %.3f) s median (best $(calc "$json_best" %.3f) s), $(rate_line "$json_median" 5000 "$gen_objects" "$gen_bytes"), cpu $(calc "$json_cpu") s, peak $(calc "$json_rss_mb" %.0f) MB"
echo "scan 5000 files ($gen_mb MB), -o table: $(calc "$table_median" %.3f) s median (best $(calc "$table_best" %.3f) s), $(rate_line "$table_median" 5000 "$gen_objects" "$gen_bytes"), cpu $(calc "$table_cpu") s, peak $(calc "$table_rss_mb" %.0f) MB"
echo "parse-only (parse_only example, whole process): $(calc "$parse_median" %.3f) s median (best $(calc "$parse_best" %.3f) s), $(rate_line "$parse_median" 5000 "$gen_objects" "$gen_bytes"), cpu $(calc "$parse_cpu") s, peak $(calc "$parse_rss_mb" %.0f) MB"
echo "parse-only, its own figures (last run): $parse_line"
echo "split of the median json scan: parse ~$(calc "100 * $parse_median / $json_median" %.0f)%, rules + report + teardown ~$(calc "100 * ($json_median - $parse_median) / $json_median" %.0f)%; table vs json: $(calc "$table_median / $json_median")x"
if [ "$have_pyyaml" = 1 ]; then
  echo "PyYAML $pyyaml_version CSafeLoader parse-only ($pyyaml_files files, $pyyaml_docs documents): $(calc "$py_inner" %.2f) s median parse loop (best $(calc "$py_inner_best" %.2f) s), $(calc "$pyproc_median" %.2f) s whole process, peak $(calc "$pyproc_rss_mb" %.0f) MB"
  echo "ratio: palisade end-to-end (json) is $(calc "$py_inner / $json_median" %.1f)x faster than PyYAML parse-only (parse loop; $(calc "$pyproc_median / $json_median" %.1f)x vs whole process); table: $(calc "$py_inner / $table_median" %.1f)x; parse-only ceiling: $(calc "$py_inner / $parse_median" %.1f)x"
fi
echo "one small file ($(stat -c %s "$first_file") bytes, $first_file): $(ms "$small_median" %.2f) ms median, $(ms "$small_best" %.2f) ms best, over $small_repeats runs, peak $(calc "$small_rss_mb" %.1f) MB"
if [ "$have_realworld" = 1 ]; then
  echo "realworld corpus ($realworld: $rw_files files, $rw_objects objects, $(calc "$rw_bytes / 1e6") MB, $rw_findings findings, $rw_errors errors, $rw_skipped skipped documents, exit $rw_rc): $(calc "$rw_median" %.3f) s median (best $(calc "$rw_best" %.3f) s), $(rate_line "$rw_median" "$rw_files" "$rw_objects" "$rw_bytes"), cpu $(calc "$rw_cpu") s, peak $(calc "$rw_rss_mb" %.0f) MB; parse-only $(calc "$rwparse_median" %.3f) s median"
  echo "realworld parse-only, its own figures (last run): $(cat "$out/realworld-parse.txt")"
  if [ "$rw_errors" != 0 ]; then
    echo "realworld input errors ($rw_errors, exit 2; all in $out/realworld-report.stderr): $(sed -e 's/^palisade: //' -e "s|^$realworld/||" "$out/realworld-report.stderr" | head -n 3 | cut -c1-110 | paste -sd'|' | sed 's/|/; /g')"
  fi
else
  echo "realworld corpus: skipped ($realworld is absent)"
fi
echo "memory: 1250 files $(calc "$m1250_rss_mb" %.0f) MB, 2500 files $(calc "$m2500_rss_mb" %.0f) MB, 5000 files $(calc "$m5000_rss_mb" %.0f) MB (scan -o json, peak RSS); parse-only 5000 files $(calc "$mparse_rss_mb" %.0f) MB; growth $(calc "($m5000_rss_mb - $m1250_rss_mb) / 3750 * 1000" %.1f) kB/file"
if [ "$json_rss_source" = gnu-time ]; then
  echo "peak RSS source: /usr/bin/time -f %M (one extra run per measurement); cross-check, wait4 ru_maxrss of the timed 5000-file json scans: $json_rss_wait4_mb MB"
else
  echo "peak RSS source: wait4 ru_maxrss (/usr/bin/time is absent, install it with apt-get install time; or MEASURE_RSS=wait4 is set); figures at or below ~$json_rss_floor_mb MB are the Python harness's own floor (the one-small-file figure is one)"
fi
if [ "$have_checkov" = 1 ]; then
  echo "checkov 3.3.30 on 500 files ($subset_mb MB): $(calc "$ck_median" %.1f) s median (best $(calc "$ck_best" %.1f) s), peak $(calc "$ck_rss_mb" %.0f) MB; palisade on the same: $(calc "$p500_median" %.3f) s; ratio: palisade is $(calc "$ck_median / $p500_median" %.0f)x faster"
fi
load_end=$(cut -d' ' -f1 /proc/loadavg)
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
if awk "BEGIN { exit !($load_end > $(nproc) * 0.75) }"; then
  echo "warning: the 1-minute load average ($load_end) is high for $(nproc) cores: something else was running, so absolute figures are inflated (the ratios, measured side by side, suffer less)"
fi
