#!/usr/bin/env bash
# Benchmark of the whole-cluster analysis (issue 7): `palisade scan` of one generated cluster
# with 10,000 workloads, 2,000 NetworkPolicies and 5,000 RBAC objects (bench/generate_cluster.py,
# seed 7), every rule on; and the same scan with only the NetworkPolicy rules on, so that their
# own cost shows. The target: the whole analysis in under 2 s on this machine.
#
# Usage (from anywhere; it works from the repository root):
#   bench/cluster.sh [--repeats N] [--no-build]
#
# Times come from bench/measure.py (median and best of N counted runs after one warm-up, end to
# end, JSON report to /dev/null); PALISADE_TIMINGS=1 gives the phases (load, rules, report) of
# one more run.
set -euo pipefail

repeats=5
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --repeats) repeats="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "cluster.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

cd "$(dirname "$0")/.."
out=bench/out/cluster
mkdir -p "$out"
target_dir=${CARGO_TARGET_DIR:-target}
if [ "$build" = 1 ]; then
  cargo build --release -p palisade > "$out/build.log" 2>&1 || { tail -n 30 "$out/build.log" >&2; exit 1; }
fi
cp "$target_dir/release/palisade" "$out/palisade"
palisade=$out/palisade

python3 bench/generate_cluster.py "$out/cluster.yaml"
echo "input: $(grep -c '^kind: ' "$out/cluster.yaml") objects ($(grep -c '^kind: NetworkPolicy' "$out/cluster.yaml") NetworkPolicies), $(stat -c %s "$out/cluster.yaml") bytes; load average $(cut -d' ' -f1-3 /proc/loadavg)"

# Only the NetworkPolicy rules: every other rule of the registry switched off.
network_rules="missing-ingress-policy missing-egress-policy exposed-workload-without-ingress-policy network-policy-allows-all network-policy-selects-nothing egress-policy-blocks-dns namespace-without-default-deny network-policy-not-enforced pod-traffic-not-encrypted"
{
  echo "rules:"
  grep -o 'entry!([a-z_]*::[a-z_]*)' crates/palisade-rules/src/registry.rs | sed 's/.*:://; s/)//; s/_/-/g' |
    while read -r rule; do
      case " $network_rules " in *" $rule "*) ;; *) echo "  $rule: off" ;; esac
    done
} > "$out/network-only.yaml"

run() {
  local name=$1; shift
  eval "$(python3 bench/measure.py --prefix m --repeats "$repeats" --ok 0,1 -- "$palisade" scan "$out/cluster.yaml" -o json "$@")"
  printf '  %-38s %7.3f s median, %7.3f s best, peak %6.1f MB\n' "$name" "$m_median" "$m_best" "$m_rss_mb"
  { PALISADE_TIMINGS=1 "$palisade" scan "$out/cluster.yaml" -o json "$@" 2>&1 >/dev/null || true; } | sed 's/^palisade timings: /      /'
}
run "every rule" --no-config
run "NetworkPolicy rules only" --config "$out/network-only.yaml"
