#!/usr/bin/env bash
# The one X server every osgrid-viz test shares (a ctest fixture):
#   xvfb.sh start STATE_DIR   starts Xvfb (1280x720x24) and writes its display to STATE_DIR/display
#   xvfb.sh stop STATE_DIR    stops it
# Without Xvfb, a DISPLAY already set is used; with neither, STATE_DIR/display
# says "none" and the tests skip (exit 77).
set -euo pipefail
state=$2
mkdir -p "$state"
case $1 in
  start)
    if [[ -f $state/pid ]] && kill -0 "$(cat "$state/pid")" 2>/dev/null; then exit 0; fi
    rm -f "$state/display" "$state/pid"
    if ! command -v Xvfb >/dev/null; then
      echo "${DISPLAY:-none}" >"$state/display"
      echo "xvfb.sh: Xvfb is not installed (apt-get install xvfb); using DISPLAY=${DISPLAY:-none}"
      exit 0
    fi
    Xvfb -displayfd 3 -screen 0 1280x720x24 -nolisten tcp 3>"$state/displayfd" >"$state/xvfb.log" 2>&1 &
    echo $! >"$state/pid"
    for _ in $(seq 100); do
      if [[ -s $state/displayfd ]]; then
        echo ":$(tr -d '\n' <"$state/displayfd")" >"$state/display"
        echo "xvfb.sh: Xvfb on $(cat "$state/display"), pid $(cat "$state/pid")"
        exit 0
      fi
      sleep 0.1
    done
    echo "xvfb.sh: Xvfb did not start; its log:" >&2
    cat "$state/xvfb.log" >&2
    exit 1
    ;;
  stop)
    if [[ -f $state/pid ]]; then kill "$(cat "$state/pid")" 2>/dev/null || true; fi
    rm -f "$state/pid" "$state/display" "$state/displayfd"
    ;;
esac
