#!/usr/bin/env bash
# A bad trace with --screenshot: exit status 2, the error names FILE:LINE on
# stderr, and no PNG is written (nothing is drawn from garbage).
#   bad_trace.sh VIEWER TRACE OUT.png
set -uo pipefail
viewer=$1 trace=$2 png=$3
rm -f "$png"
err=$("$viewer" "$trace" --screenshot "$png" 2>&1 >/dev/null)
status=$?
echo "exit status $status; stderr: $err"
[[ $status -eq 2 ]] || { echo "FAIL: want exit status 2"; exit 1; }
grep -qE "$(basename "$trace"):[0-9]+: " <<<"$err" || { echo "FAIL: want FILE:LINE: in the error"; exit 1; }
[[ ! -e $png ]] || { echo "FAIL: a PNG was written"; exit 1; }
echo ok
