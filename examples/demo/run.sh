#!/usr/bin/env bash
# `make demo`: a zero-downtime rolling update of 5 real processes behind a Service, under load.
#
#   1. preview the update on the simulator's virtual clock (no processes, instant),
#   2. start an engine in a temporary data dir,
#   3. deploy examples/demo/web.yaml (demo:v1, 5 replicas, readiness probe) and wait for it,
#   4. `graceroll verify`: HTTP load through the Service (keep-alive and new-connection clients)
#      while `set image ... demo:v2` rolls out; the report lists failures, latency and versions,
#   5. stop the engine (pods get their full termination sequence) and remove the data dir.
set -euo pipefail
cd "$(dirname "$0")/../.."
G="${GRACEROLL:-.venv/bin/graceroll}"
DATA_DIR="$(mktemp -d -t graceroll-demo.XXXXXX)"
export GRACEROLL_DATA_DIR="$DATA_DIR"

cleanup() {
  "$G" down --timeout 60 >/dev/null 2>&1 || true
  rm -rf "$DATA_DIR"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Preview on the simulator: the same rollout on a virtual clock"
"$G" simulate examples/demo/preview.yaml

step "Start an engine (data in $DATA_DIR)"
"$G" up --detach --listen 127.0.0.1:0

step "Deploy demo:v1 (5 replicas) behind Service web"
"$G" apply -f examples/demo/web.yaml
"$G" rollout status deployment/web --timeout 120
"$G" get deployments,pods,services -o wide

step "Roll out demo:v2 under load, then report"
status=0
"$G" verify service/web --during "set image deployment/web app=demo:v2" || status=$?

step "After the update"
"$G" get replicasets
"$G" rollout history deployment/web

step "Stop the engine"
"$G" down --timeout 60
exit "$status"
