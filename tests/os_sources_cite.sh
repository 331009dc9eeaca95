#!/usr/bin/env bash
# Every algorithm file of os/ (each .cpp under os/src, tests aside) names its
# source in its opening comment: a "Source:" line citing the OSTEP chapter,
# the Silberschatz section or the paper it follows. Students read these files.
set -euo pipefail
cd "$1"
missing=0
for file in $(find os/src -name '*.cpp' ! -name '*_test.cpp' | sort); do
  if ! head -n 30 "$file" | grep -q '^// Source:'; then
    echo "$file: no '// Source:' line in its opening comment" >&2
    missing=$((missing + 1))
  fi
done
[[ $missing -eq 0 ]] && echo "every os/src algorithm file cites its source"
exit $((missing > 0))
