#!/usr/bin/env bash
# Load benchmark of `palisade serve` over TLS on loopback, with oha: AdmissionReviews of a
# realistic Deployment (bench/webhook-review.json, sent compact) on POST /validate, and the
# same load on GET /healthz as the baseline (what TLS and HTTP cost without any rule), in one
# run.
#
# Usage (from anywhere; it works from the repository root):
#   bench/webhook.sh [--requests N] [--connections N] [--quick] [--http2] [--repeats N] [--no-build]
#
#   --requests N      requests per measurement (default 20000)
#   --connections N   concurrent connections (default 32)
#   --quick           --requests 5000
#   --http2           speak HTTP/2, as the API server does (default: HTTP/1.1, one request at
#                     a time per connection)
#   --repeats N       runs of the default's healthz and validate, alternated (default 3); the
#                     median of each is what is compared with the target
#   --no-build        skip `cargo build` (use the binary already in target/release)
#
# It installs oha into bench/out/tools when missing (`cargo install oha --locked`), builds
# palisade in release mode, makes a throwaway CA and certificate (crates/palisade-webhook/
# examples/make_cert.rs), starts `palisade serve` on 127.0.0.1 with no configuration (every
# rule on), warms up, then measures, with the CA given to oha (--cacert), so the certificate
# is verified as the API server verifies it:
#   1. GET /healthz                     the baseline
#   2. POST /validate                   the default: every review on tokio's blocking pool,
#                                       at most 2 checks per core at once
#   3. POST /validate, the pool unbounded (--workers spawn-blocking)
#   4. POST /validate, judged on the thread that read it (--inline-max-body-bytes 16384)
# and prints requests/s, p50, p99 and errors for each, the ratios, and the CPU time the
# server and oha took per request. Target: p99 under 5 ms and no error. Everything it writes
# goes to bench/out/ (gitignored).
# Needs: cargo, python3 (to read oha's JSON).
set -euo pipefail

requests=20000
connections=32
http_version=1.1
build=1
repeats=3
while [ $# -gt 0 ]; do
  case "$1" in
    --requests) requests="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --quick) requests=5000; shift ;;
    --http2) http_version=2; shift ;;
    --repeats) repeats="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "webhook.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

cd "$(dirname "$0")/.."
out=bench/out
tools=$out/tools
oha=$tools/bin/oha
tls=$out/webhook-tls
review=$out/webhook-review.json  # compact, as the API server sends it
target_dir=${CARGO_TARGET_DIR:-target}  # honour a shared build directory
palisade=$target_dir/release/palisade
mkdir -p "$out"

if [ ! -x "$oha" ]; then
  echo "== installing oha into $tools (once)"
  cargo install oha --locked --root "$tools"
fi
if [ "$build" = 1 ]; then
  echo "== building palisade (release)"
  cargo build --release -p palisade
fi
cargo run --quiet -p palisade-webhook --example make_cert -- "$tls" 127.0.0.1 localhost >/dev/null
python3 -c 'import json, sys; json.dump(json.load(open(sys.argv[1])), open(sys.argv[2], "w"), separators=(",", ":"))' \
  bench/webhook-review.json "$review"

cores=$(nproc)
echo "== palisade serve benchmark"
echo "machine: $cores cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(uname -sr)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "tools: $("$oha" --version), $(rustc --version 2>/dev/null || echo 'rustc ?')"
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown) (the working tree may have uncommitted changes)"
echo "load: $requests requests per measurement, $connections connections, HTTP/$http_version over TLS, body $(wc -c < "$review") bytes"

server_pid=
stop_server() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
}
trap stop_server EXIT

# start_server NAME [OPTION...]: starts palisade serve on a free port with the options given
# and sets $base to its URL.
start_server() {
  local log=$out/webhook-serve-$1.log
  shift
  "$palisade" serve --tls-cert "$tls/tls.crt" --tls-key "$tls/tls.key" --listen 127.0.0.1:0 \
    --no-config "$@" 2>"$log" &
  server_pid=$!
  local address=
  for _ in $(seq 1 100); do
    address=$(sed -n 's/.*address=\([0-9.]*:[0-9]*\).*/\1/p' "$log" | head -n1)
    [ -n "$address" ] && break
    sleep 0.1
  done
  if [ -z "$address" ]; then
    echo "webhook.sh: palisade serve did not start:" >&2
    cat "$log" >&2
    exit 1
  fi
  base=https://$address
}

# cpu_ticks PID: user and system time of a process so far, in clock ticks
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# load NAME METHOD PATH [N]: runs oha, leaves its JSON in $out/webhook-NAME.json and the CPU
# time the server and oha took, in µs per request, in $server_us and $oha_us
load() {
  local name=$1 method=$2 path=$3 count=${4:-$requests}
  local body=()
  if [ "$method" = POST ]; then body=(-m POST -T application/json -D "$review"); fi
  local before oha_seconds
  before=$(cpu_ticks "$server_pid")
  oha_seconds=$(python3 -c '
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(usage.ru_utime + usage.ru_stime)' \
    "$oha" --no-tui --output-format json -o "$out/webhook-$name.json" \
    -n "$count" -c "$connections" --http-version "$http_version" \
    --cacert "$tls/ca.crt" "${body[@]}" "$base$path")
  server_us=$(( ($(cpu_ticks "$server_pid") - before) * 1000000 / $(getconf CLK_TCK) / count ))
  oha_us=$(awk "BEGIN { printf \"%d\", $oha_seconds * 1e6 / $count }")
}

# figures NAME: "requests_per_second p50_ms p99_ms errors" from oha's JSON
figures() {
  python3 - "$out/webhook-$1.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
s, p = r["summary"], r["latencyPercentiles"]
codes = r.get("statusCodeDistribution", {})
errors = sum(r.get("errorDistribution", {}).values()) + sum(n for code, n in codes.items() if code != "200")
print(f'{s["requestsPerSec"]:.0f} {p["p50"] * 1e3:.3f} {p["p99"] * 1e3:.3f} {errors}')
EOF
}

declare -A rps p50 p99 errors server oha
measure() {
  local name=$1
  load "$@"
  server[$name]=$server_us
  oha[$name]=$oha_us
  read -r rps[$name] p50[$name] p99[$name] errors[$name] < <(figures "$name")
  printf '  %-16s %8s req/s   p50 %7s ms   p99 %7s ms   errors %s   cpu per request: server %s µs, oha %s µs\n' \
    "$name" "${rps[$name]}" "${p50[$name]}" "${p99[$name]}" "${errors[$name]}" "${server[$name]}" "${oha[$name]}"
}

echo "== the default (every review on the blocking pool, at most 2 per core at once)"
start_server default
load warmup POST /validate 2000
load warmup-healthz GET /healthz 2000
for run in $(seq 1 "$repeats"); do
  measure "healthz-$run" GET /healthz
  measure "validate-$run" POST /validate
done
stop_server
# The run with the median p99 of each stands for it.
median_run() {
  local what=$1
  for run in $(seq 1 "$repeats"); do echo "${p99[$what-$run]} $run"; done | sort -g | sed -n "$(( (repeats + 1) / 2 ))p" | cut -d' ' -f2
}
for what in healthz validate; do
  chosen=$(median_run "$what")
  for field in rps p50 p99 errors server oha; do
    declare -n figure=$field
    figure[$what]=${figure[$what-$chosen]}
    unset -n figure
  done
done
total_errors=0
for run in $(seq 1 "$repeats"); do total_errors=$(( total_errors + ${errors[validate-$run]} )); done

echo "== the blocking pool unbounded"
start_server pool --workers spawn-blocking
load warmup POST /validate 2000
measure validate-unbounded POST /validate
stop_server

echo "== every review judged on the thread that read it"
start_server inline --inline-max-body-bytes 16384
load warmup POST /validate 2000
measure validate-inline POST /validate
stop_server

ratio() { awk "BEGIN { printf \"%.2f\", $1 / $2 }"; }
echo
echo "== figures (HTTP/$http_version, $connections connections, $requests requests each; healthz and validate: the run with the median p99 of $repeats)"
printf '| what | requests/s | p50 | p99 | errors | server cpu per request | oha cpu per request |\n'
printf '| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n'
for name in healthz validate validate-unbounded validate-inline; do
  printf '| %s | %s | %s ms | %s ms | %s | %s µs | %s µs |\n' "$name" "${rps[$name]}" "${p50[$name]}" \
    "${p99[$name]}" "${errors[$name]}" "${server[$name]}" "${oha[$name]}"
done
echo "validate / healthz: throughput $(ratio "${rps[validate]}" "${rps[healthz]}")x, p99 $(ratio "${p99[validate]}" "${p99[healthz]}")x"
echo "unbounded / default: throughput $(ratio "${rps[validate-unbounded]}" "${rps[validate]}")x, p99 $(ratio "${p99[validate-unbounded]}" "${p99[validate]}")x"
echo "inline / default: throughput $(ratio "${rps[validate-inline]}" "${rps[validate]}")x, p99 $(ratio "${p99[validate-inline]}" "${p99[validate]}")x"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
met=yes
if awk "BEGIN { exit !(${p99[validate]} >= 5) }" || [ "$total_errors" != 0 ]; then met=no; fi
echo "target (POST /validate p99 < 5 ms in the median run, no error in any run): $met"
