#!/usr/bin/env bash
# Benchmark of the whole-cluster RBAC and namespace analysis: `palisade scan` over 5,000
# generated RBAC objects (bench/generate_rbac.py: Roles, RoleBindings, ClusterRoles with
# aggregation, ClusterRoleBindings) alone and together with 10,000 workloads
# (bench/generate.py: 10,000 files of a Deployment and a Service), and `who-can` / `access`
# over the RBAC objects. The NetworkPolicies of the issue's benchmark come with the
# NetworkPolicy analysis.
#
# Usage (from anywhere): bench/rbac.sh [--repeats N] [--no-build]
#
# Writes to bench/out/rbac/ (gitignored). Times come from bench/measure.py (posix_spawn +
# wait4): the median wall time of N runs after a warm-up, and the CPU time of that run.
set -euo pipefail

repeats=5
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --repeats) repeats="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "rbac.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

cd "$(dirname "$0")/.."
out=bench/out/rbac
target_dir=${CARGO_TARGET_DIR:-target}
palisade=$target_dir/release/palisade
mkdir -p "$out"

if [ "$build" = 1 ]; then
  cargo build --release -q -p palisade
fi

python3 bench/generate_rbac.py --out "$out/rbac" --count 5000 --seed 20240601 >/dev/null
if [ ! -d "$out/workloads" ]; then
  python3 bench/generate.py --out "$out/workloads" --count 10000 --seed 20240601 >/dev/null
fi

measure() { python3 bench/measure.py --stderr "$out/$2.stderr" "$@"; }
scan=("$palisade" scan --no-config -o json --fail-on never)
eval "$(measure --prefix rbac --repeats "$repeats" --ok 0 -- "${scan[@]}" "$out/rbac")"
eval "$(measure --prefix both --repeats "$repeats" --ok 0 -- "${scan[@]}" "$out/rbac" "$out/workloads")"
eval "$(measure --prefix whocan --repeats "$repeats" --ok 0 -- "$palisade" who-can create pods -o json "$out/rbac")"
eval "$(measure --prefix access --repeats "$repeats" --ok 0 -- "$palisade" access group:team-7 -o json "$out/rbac")"

count() { "${scan[@]}" "$@" | python3 -c 'import json,sys; s=json.load(sys.stdin)["summary"]; print(s["objects"], s["findings"])'; }
read -r rbac_objects rbac_findings < <(count "$out/rbac")
read -r both_objects both_findings < <(count "$out/rbac" "$out/workloads")
calc() { awk "BEGIN { printf \"${2:-%.3f}\", $1 }"; }
echo "== palisade RBAC and namespace analysis ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores; $repeats runs each after a warm-up)"
echo "scan, $rbac_objects RBAC objects ($rbac_findings findings):             $(calc "$rbac_median") s median (best $(calc "$rbac_best")), cpu $(calc "$rbac_cpu") s, peak ${rbac_rss_mb} MB"
echo "scan, RBAC + 10,000 workloads: $both_objects objects ($both_findings findings): $(calc "$both_median") s median (best $(calc "$both_best")), cpu $(calc "$both_cpu") s, peak ${both_rss_mb} MB"
echo "who-can create pods (5,000 RBAC objects):       $(calc "$whocan_median") s median (best $(calc "$whocan_best"))"
echo "access group:team-7 (5,000 RBAC objects):       $(calc "$access_median") s median (best $(calc "$access_best"))"
