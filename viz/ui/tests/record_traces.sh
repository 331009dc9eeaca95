#!/usr/bin/env bash
# Makes the traces the screenshot tests open (a ctest fixture): two recorded
# live runs and two simulations.
#   record_traces.sh BIN_DIR SOURCE_DIR OUT_DIR
set -euo pipefail
bin=$1 src=$2 out=$3
mkdir -p "$out"
"$bin/osgrid" run "$src/scenarios/live-philosophers.yaml" --record "$out/philosophers.trace" >"$out/philosophers.out"
"$bin/osgrid" run "$src/scenarios/live-memory.yaml" --record "$out/memory.trace" >"$out/memory.out"
"$bin/osgrid" sim sched -p RR -q 2 -l 5,8,3,6 -c --trace "$out/sched.trace" >/dev/null
"$bin/osgrid" sim mem -n 12 -s 3 -c --trace "$out/mem.trace" >/dev/null
# A trace cut in the middle of a line: the viewer must name the line and draw nothing.
head -c "$(($(wc -c <"$out/sched.trace") - 20))" "$out/sched.trace" >"$out/truncated.trace"
wc -l "$out"/*.trace
