#!/usr/bin/env bash
# One screenshot test: runs osgrid-viz with --screenshot under the shared
# Xvfb (xvfb.sh) and Mesa's software GL, then osgrid-viz-check on its layout.
#   shot.sh STATE_DIR VIEWER CHECKER OUT.png VIEWER_ARGS... -- CHECKER_ARGS...
# Exit status 77 (skipped) when there is no display to draw on.
set -euo pipefail
state=$1 viewer=$2 checker=$3 png=$4
shift 4
viewer_args=()
while [[ $# -gt 0 && $1 != "--" ]]; do viewer_args+=("$1"); shift; done
[[ $# -gt 0 ]] && shift
display=$(cat "$state/display" 2>/dev/null || echo none)
if [[ $display == none ]]; then
  echo "skipped: no X display (install xvfb)"
  exit 77
fi
export DISPLAY=$display LIBGL_ALWAYS_SOFTWARE=1
mkdir -p "$(dirname "$png")"
rm -f "$png" "${png%.png}.layout.json"
echo "+ osgrid-viz ${viewer_args[*]} --screenshot $png"
timeout 120 "$viewer" "${viewer_args[@]}" --screenshot "$png"
"$checker" "${png%.png}.layout.json" --png "$png" "$@"
