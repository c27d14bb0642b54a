#!/usr/bin/env bash
# Benchmark of `palisade node`: the CIS checks over a copy of a kubeadm control plane's
# filesystem (--root) and over a kubeadm configuration bundle (--kubeadm-config), against the
# floor of the same binary starting and exiting (`palisade --version`), all in one run.
#
# Usage (from anywhere): bench/node.sh [--repeats N] [--no-build]
#
# Writes to bench/out/node/ (gitignored): the node tree (crates/palisade-node/testdata/
# kubeadm-v1.32 copied, with kubeadm's 0600 modes) and a generated hardened bundle.
# Times come from bench/measure.py (posix_spawn + wait4). Ratios are from this one run.
set -euo pipefail

repeats=20
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --repeats) repeats="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "node.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

cd "$(dirname "$0")/.."
out=bench/out/node
target_dir=${CARGO_TARGET_DIR:-target}
palisade=$target_dir/release/palisade
mkdir -p "$out"

if [ "$build" = 1 ]; then
  cargo build --release -q -p palisade
fi

rm -rf "$out/root" "$out/bundle"
cp -r crates/palisade-node/testdata/kubeadm-v1.32 "$out/root"
find "$out/root" -type f -exec chmod 600 {} +
"$palisade" generate kubeadm --output-dir "$out/bundle" >/dev/null

measure() { python3 bench/measure.py --stderr "$out/$2.stderr" "$@"; }
eval "$(measure --prefix floor --repeats "$repeats" --ok 0 -- "$palisade" --version)"
eval "$(measure --prefix root --repeats "$repeats" --ok 0,1 -- "$palisade" node --root "$out/root" -o json)"
eval "$(measure --prefix kubeadm --repeats "$repeats" --ok 0,1 -- "$palisade" node --kubeadm-config "$out/bundle" -o json)"

calc() { awk "BEGIN { printf \"${2:-%.2f}\", $1 }"; }
checks=$({ "$palisade" node --root "$out/root" -o json || true; } | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["results"]))')
echo "== palisade node ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores; $repeats runs each after a warm-up)"
printf 'startup floor (palisade --version):        %6.2f ms median (best %.2f ms)\n' "$(calc "$floor_median*1000")" "$(calc "$floor_best*1000")"
printf 'node --root (kubeadm v1.32, %s checks):     %6.2f ms median (best %.2f ms), peak %.1f MB\n' "$checks" "$(calc "$root_median*1000")" "$(calc "$root_best*1000")" "$root_rss_mb"
printf 'node --kubeadm-config (hardened bundle):   %6.2f ms median (best %.2f ms), peak %.1f MB\n' "$(calc "$kubeadm_median*1000")" "$(calc "$kubeadm_best*1000")" "$kubeadm_rss_mb"
echo "ratio to the startup floor: --root $(calc "$root_median/$floor_median")x, --kubeadm-config $(calc "$kubeadm_median/$floor_median")x"
