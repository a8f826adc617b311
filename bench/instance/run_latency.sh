#!/usr/bin/env bash
# run_latency.sh BIN_DIR [RUNS=30] [-- COMMAND...]: starts an instance of BIN_DIR/converge in a
# temporary state folder (one node of 4 cores declared), times RUNS × `converge run -n1 true`
# (or `converge run COMMAND...`), prints min/median/p90 wall milliseconds, and stops it.
# Used to check that per-job features (the PMI socketpairs) leave `converge run true` as fast.
set -euo pipefail
bin=$1; shift
runs=${1:-30}; [ $# -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift
command=("$@"); [ ${#command[@]} -eq 0 ] && command=(true)
state=$(mktemp -d /tmp/converge-bench-XXXXXX)
trap '"$bin/converge" stop >/dev/null 2>&1 || true; rm -rf "$state"' EXIT
printf 'cluster: {name: bench}\nnodes:\n  - {count: 1, basename: node, sockets: 1, cores_per_socket: 4}\n' \
  > "$state/cluster.yaml"
export CONVERGE_URI="unix:$state/s/converge.sock"
"$bin/converge" start --state "$state/s" --resources "$state/cluster.yaml" --sync normal \
  --detach >/dev/null
for _ in $(seq 50); do "$bin/converge" jobs >/dev/null 2>&1 && break; sleep 0.1; done
"$bin/converge" run "${command[@]}" >/dev/null  # warm-up
times=()
for _ in $(seq "$runs"); do
  start=$(date +%s%N)
  "$bin/converge" run "${command[@]}" >/dev/null
  times+=($(( ($(date +%s%N) - start) / 1000 )))
done
printf '%s\n' "${times[@]}" | sort -n | awk -v label="$bin: ${command[*]}" '
  { t[NR] = $1 } END { printf "%s: runs %d min %.1f ms median %.1f ms p90 %.1f ms\n", label, NR,
    t[1] / 1000, t[int((NR + 1) / 2)] / 1000, t[int(NR * 0.9 + 0.5)] / 1000 }'
