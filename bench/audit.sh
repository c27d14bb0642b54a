#!/usr/bin/env bash
# Benchmark of `palisade audit` (reading and judging every event with every audit rule, alerts
# written as JSON lines) on a generated log of 400,000 realistic events, against Python's
# json.loads merely parsing the same lines, plus peak memory for 100k, 400k and 1.6M events (the
# log read four times in one run; median peaks of at least five runs each) and within one 1.6M
# run by quarter of its time (streaming = flat: the last quarter's peak no more than 10% and
# 2 MB above the second's, medians of three runs; bench/rss_quarters.py), and the reader alone
# as the
# ceiling.
#
# Usage (from anywhere; it works from the repository root):
#   bench/audit.sh [--repeats N] [--quick] [--no-build] [--no-gzip]
#
#   --repeats N   counted runs per measurement after one warm-up (default 5)
#   --quick       --repeats 3
#   --no-build    skip `cargo build` (use palisade and the example already in target/release)
#   --no-gzip     skip the gzip-compressed variant
#
# What is timed: `palisade audit LOG -o jsonl --no-config --fail-on never > /dev/null`, the
# whole command a user runs (every default audit rule; the alerts rendered); and the example
# crates/palisade-audit/examples/read_only.rs, which only reads and decodes every event
# (EventReader::spawn: reading and decoding in their own thread, JSON lines decoded in parallel
# batches) and counts events and errors: the ceiling of the reader. The baseline is bench/audit_json_parse.py: `json.loads` on each line, nothing kept;
# its own timer covers only the parse loop (interpreter start-up excluded), and the ratio is
# taken against that loop, so it favours Python.
# The log comes from bench/generate_audit.py (seed 20240601), built on the events of
# ../shared/corpus/audit-logs (PALISADE_CORPUS overrides where the corpus is); it is written to
# bench/out/audit/ (gitignored) and reused while the generator is unchanged.
# Times come from bench/measure.py (posix_spawn + wait4), peak RSS from /usr/bin/time when
# present (wait4 for the alternating rounds). All ratios are computed from figures of this one
# run (the machine may be noisy); palisade and Python are timed in alternating rounds after a
# warm-up round, so that both meet the same minutes.
set -euo pipefail

repeats=5
build=1
with_gzip=1
while [ $# -gt 0 ]; do
  case "$1" in
    --repeats) repeats="$2"; shift 2 ;;
    --quick) repeats=3; shift ;;
    --no-build) build=0; shift ;;
    --no-gzip) with_gzip=0; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "audit.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

cd "$(dirname "$0")/.."
out=bench/out
dir=$out/audit
target_dir=${CARGO_TARGET_DIR:-target}
example=$target_dir/release/examples/read_only
binary=$target_dir/release/palisade
seed=20240601
count=400000
small=100000
mkdir -p "$dir" "$out/bin"

measure() { python3 bench/measure.py --stderr "$out/$2.stderr" "$@"; }
progress() {
  local median="${2}_median" best="${2}_best" rss="${2}_rss_mb"
  printf '  %-40s %8.3f s median, %8.3f s best, peak %6.1f MB\n' "$1" "${!median}" "${!best}" "${!rss}"
}
calc() { awk "BEGIN { printf \"${2:-%.2f}\", $1 }"; }
thousands() { printf "%.0f" "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta'; }

cpu_model=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
echo "== palisade audit-log reading benchmark"
echo "machine: $(nproc) cores, $cpu_model$(grep -qw hypervisor /proc/cpuinfo && echo ', virtual machine'), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
load_start=$(cut -d' ' -f1 /proc/loadavg)
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "tools: $(rustc --version 2>/dev/null || echo 'rustc ?'), $(python3 --version 2>&1)"
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown) (the working tree may have uncommitted changes)"
echo "repeats: $repeats counted runs after 1 warm-up per measurement (median and best shown)"

if [ "$build" = 1 ]; then
  echo "-- building (cargo build --release -p palisade -p palisade-audit --bins --examples)"
  if ! cargo build --release -p palisade -p palisade-audit --bins --examples > "$out/audit-build.log" 2>&1; then
    tail -n 30 "$out/audit-build.log" >&2
    echo "audit.sh: cargo build failed (full log: $out/audit-build.log)" >&2
    exit 1
  fi
  tail -n 1 "$out/audit-build.log"
fi
[ -x "$example" ] || { echo "audit.sh: $example is missing (build failed, or --no-build without a build)" >&2; exit 1; }
# Freeze the binary: another build in the same target directory must not swap it mid-run.
[ -x "$binary" ] || { echo "audit.sh: $binary is missing" >&2; exit 1; }
cp "$example" "$out/bin/read_only"
cp "$binary" "$out/bin/palisade-audit-bench"
reader=$out/bin/read_only
palisade=$out/bin/palisade-audit-bench

log=$dir/audit-$count.jsonl
log_small=$dir/audit-$small.jsonl
stamp=$dir/stamp
want_stamp="$(sha256sum bench/generate_audit.py | cut -c1-16) seed $seed count $count"
if [ ! -s "$log" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want_stamp" ]; then
  echo "-- generating $(thousands $count) events (python3 bench/generate_audit.py, seed $seed)"
  rm -f "$log" "$log_small" "$log.gz" "$stamp"
  python3 bench/generate_audit.py --out "$log" --count "$count" --seed "$seed"
  head -n "$small" "$log" > "$log_small"
  echo "$want_stamp" > "$stamp"
else
  echo "-- reusing $log (generator and seed unchanged)"
fi
if [ "$with_gzip" = 1 ] && [ ! -s "$log.gz" ]; then
  gzip -1 -c "$log" > "$log.gz"
fi
log_bytes=$(stat -c %s "$log")
echo "log: $(thousands $count) events, $(calc "$log_bytes / 1e6" %.1f) MB ($(calc "$log_bytes / $count" %.0f) bytes/event); first $(thousands $small) in $log_small"

# Sanity: every event reads, none is an error.
"$reader" "$log" > "$dir/check.txt"
read -r check_events check_errors < <(sed -n 's/^read-only: \([0-9]*\) events.*, \([0-9]*\) errors,.*/\1 \2/p' "$dir/check.txt")
if [ "$check_events" != "$count" ] || [ "$check_errors" != 0 ]; then
  echo "audit.sh: read_only read $check_events events and $check_errors errors, expected $count and 0:" >&2
  cat "$dir/check.txt" >&2
  exit 1
fi
echo "check: $(cat "$dir/check.txt")"
# What the detections find in this log (the summary line palisade prints on stderr).
"$palisade" audit "$log" -o jsonl --no-config --fail-on never > /dev/null 2> "$dir/alerts.txt" || true
alert_summary=$(tail -n 1 "$dir/alerts.txt")
echo "detections: $alert_summary"

# palisade and Python are timed in alternating rounds, after a warm-up round of each: this
# machine runs slower for several seconds after being idle (the same audit took 1.14 s, then
# 1.20, 1.00, ... 0.83 s over twelve runs in a row), and a measurement of one program after the
# other gave each different minutes; alternating gives both the same ones.
echo "-- timing (palisade and Python alternately: a warm-up round, then $repeats rounds)"
median_of() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { printf "%.6f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
: > "$dir/python.txt"
aud_walls=""; aud_cpus=""; aud_rss_mb=0; py_walls=""; pyproc_rss_mb=0
for round in $(seq 0 "$repeats"); do
  eval "$(measure --prefix round_aud --repeats 1 --warmup 0 --rss-runs 0 --ok 0 -- "$palisade" audit "$log" -o jsonl --no-config --fail-on never)"
  eval "$(measure --prefix round_py --repeats 1 --warmup 0 --rss-runs 0 --ok 0 --stdout "$dir/python.txt" --append -- python3 bench/audit_json_parse.py "$log")"
  if [ "$round" -gt 0 ]; then
    aud_walls="$aud_walls $round_aud_median"; aud_cpus="$aud_cpus $round_aud_cpu"; py_walls="$py_walls $round_py_median"
    aud_rss_mb=$(awk "BEGIN { print ($round_aud_rss_mb > $aud_rss_mb) ? $round_aud_rss_mb : $aud_rss_mb }")
    pyproc_rss_mb=$(awk "BEGIN { print ($round_py_rss_mb > $pyproc_rss_mb) ? $round_py_rss_mb : $pyproc_rss_mb }")
  fi
done
aud_median=$(echo "$aud_walls" | median_of); aud_best=$(echo "$aud_walls" | tr ' ' '\n' | grep -v '^$' | sort -g | head -n 1)
aud_cpu=$(echo "$aud_cpus" | median_of)
pyproc_median=$(echo "$py_walls" | median_of); pyproc_best=$(echo "$py_walls" | tr ' ' '\n' | grep -v '^$' | sort -g | head -n 1)
progress "(a) palisade audit -o jsonl, 400k" aud
progress "(c) python json.loads, whole process" pyproc
echo "  palisade's rounds: $aud_walls s; Python's: $py_walls s (peak RSS from wait4)"
eval "$(measure --prefix pal --repeats "$repeats" --ok 0 -- "$reader" "$log")"
progress "(a') palisade read_only, 400k" pal
eval "$(measure --prefix inl --repeats "$repeats" --ok 0 -- "$reader" "$log" --inline)"
progress "(b) the same, --inline (one consumer)" inl
# lines: the warm-up round's, then one per timed round; the median of the timed rounds
py_inner=$(grep '^py_inner=' "$dir/python.txt" | sed -n "2,$((repeats + 1))p" | cut -d= -f2 | median_of)
py_inner_best=$(grep '^py_inner=' "$dir/python.txt" | sed -n "2,$((repeats + 1))p" | cut -d= -f2 | sort -g | head -n 1)
eval "$(grep -E '^py_(events|version)=' "$dir/python.txt" | tail -n 2)"
if [ "$py_events" != "$count" ]; then
  echo "audit.sh: python parsed $py_events lines, expected $count" >&2
  exit 1
fi
have_gzip=0
if [ "$with_gzip" = 1 ]; then
  have_gzip=1
  gz_bytes=$(stat -c %s "$log.gz")
  eval "$(measure --prefix gz --repeats "$repeats" --ok 0 -- "$reader" "$log.gz")"
  progress "(d) palisade read_only, 400k gzip -1" gz
fi

# The peak of one run varies by several MB with the timing of the threads (how far the reader
# is ahead of the rules when a batch is freed), and the longer stream has more chances of a high
# one: each size is run `memory_runs` times under /usr/bin/time and the medians are compared.
memory_runs=$(( repeats < 5 ? 5 : repeats ))
echo "-- memory (peak RSS: median of $memory_runs runs each, and their range)"
# Without /usr/bin/time, the peaks are those of the timed runs (wait4).
memory_timed_runs=1
[ -x /usr/bin/time ] || memory_timed_runs=$memory_runs
memory() { measure --prefix "$1" --repeats "$memory_timed_runs" --warmup 0 --rss-runs "$memory_runs" --rss-stat median --ok 0 -- "$palisade" audit "${@:2}" -o jsonl --no-config --fail-on never; }
memory_line() {
  local rss="${2}_rss_mb" low="${2}_rss_min_mb" high="${2}_rss_max_mb"
  printf '  %-40s peak %6.1f MB median (%.1f to %.1f MB)\n' "$1" "${!rss}" "${!low}" "${!high}"
}
eval "$(memory m100 "$log_small")"
memory_line "palisade audit, 100k events" m100
eval "$(memory m400 "$log")"
memory_line "palisade audit, 400k events" m400
# Four times as long a stream: the 400k log read four times in one run (one detector for all).
eval "$(memory m1600 "$log" "$log" "$log" "$log")"
memory_line "palisade audit, 1.6M events (400k x4)" m1600
# Within one run, equal quarters of its time hold equal numbers of events and give the same
# chances of a high reading: the fair test of whether memory grows with the stream.
eval "$(python3 bench/rss_quarters.py --runs 3 -- "$palisade" audit "$log" "$log" "$log" "$log" -o jsonl --no-config --fail-on never)"
printf '  %-40s peak per quarter of the run %.1f, %.1f, %.1f, %.1f MB (medians of %s runs)\n' "the same, within one run" "$q1_mb" "$q2_mb" "$q3_mb" "$q4_mb" "$runs"

echo
echo "== figures ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $cpu_model)"
rate() { thousands "$(calc "$count / $1" %.0f)"; }
echo "palisade audit -o jsonl, $(thousands $count) events ($(calc "$log_bytes / 1e6" %.0f) MB): $(calc "$aud_median" %.3f) s median (best $(calc "$aud_best" %.3f) s), $(rate "$aud_median") events/s, cpu $(calc "$aud_cpu") s, peak $(calc "$aud_rss_mb" %.0f) MB; $alert_summary"
echo "palisade read_only (the reader alone), $(thousands $count) events ($(calc "$log_bytes / 1e6" %.0f) MB): $(calc "$pal_median" %.3f) s median (best $(calc "$pal_best" %.3f) s), $(rate "$pal_median") events/s, $(calc "$log_bytes / 1e6 / $pal_median" %.0f) MB/s, cpu $(calc "$pal_cpu") s, peak $(calc "$pal_rss_mb" %.0f) MB"
echo "the same with --inline: $(calc "$inl_median" %.3f) s median, $(rate "$inl_median") events/s, cpu $(calc "$inl_cpu") s"
echo "python $py_version json.loads parse loop: $(calc "$py_inner" %.3f) s median (best $(calc "$py_inner_best" %.3f) s), $(rate "$py_inner") events/s; whole process $(calc "$pyproc_median" %.3f) s, peak $(calc "$pyproc_rss_mb" %.0f) MB"
ratio=$(calc "$py_inner / $aud_median" %.1f)
echo "ratio: palisade audit (whole process, detections included) is ${ratio}x faster than Python's parse loop ($(calc "$pyproc_median / $aud_median" %.1f)x against its whole process; best against best $(calc "$py_inner_best / $aud_best" %.1f)x); target at least 5x: $(awk "BEGIN { print ($ratio >= 5) ? \"met\" : \"NOT met\" }")"
echo "the reader alone: $(calc "$py_inner / $pal_median" %.1f)x Python's parse loop; detections and output cost $(calc "($aud_median - $pal_median) / $pal_median * 100" %.0f)% on top of reading"
if [ "$have_gzip" = 1 ]; then
  echo "gzip -1 ($(calc "$gz_bytes / 1e6" %.0f) MB): $(calc "$gz_median" %.3f) s median, $(rate "$gz_median") events/s"
fi
# What the rules remember (alerted requests, objects with findings, refused sources) is capped
# and fills during the first few hundred thousand events of this log; after that, a longer
# stream must not take more memory.
echo "memory (median peak RSS of $memory_runs runs): 100k events $(calc "$m100_rss_mb" %.0f) MB, 400k events $(calc "$m400_rss_mb" %.0f) MB, 1.6M events $(calc "$m1600_rss_mb" %.0f) MB (range $(calc "$m1600_rss_min_mb" %.0f)-$(calc "$m1600_rss_max_mb" %.0f) MB); within one 1.6M run, peak per quarter $(calc "$q1_mb" %.0f), $(calc "$q2_mb" %.0f), $(calc "$q3_mb" %.0f), $(calc "$q4_mb" %.0f) MB ($(awk "BEGIN { print $q4_mb <= 1.1 * $q2_mb + 2 ? \"flat: streaming\" : \"grows with the log\" }"))"
if [ "$pal_rss_source" = gnu-time ]; then
  echo "peak RSS source: /usr/bin/time -f %M (one extra run per timing measurement; $memory_runs per memory measurement)"
else
  echo "peak RSS source: wait4 ru_maxrss (/usr/bin/time is absent: apt-get install time); figures at or below ~$pal_rss_floor_mb MB are the Python harness's own floor"
fi
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg) (includes this benchmark's own threads)"
if awk "BEGIN { exit !($load_start > $(nproc) * 0.75) }"; then
  echo "warning: the 1-minute load average at start ($load_start) was high for $(nproc) cores: something else was running, so absolute figures are inflated (the ratio, measured side by side, suffers less)"
fi
