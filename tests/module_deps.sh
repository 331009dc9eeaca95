#!/usr/bin/env bash
# Dependencies point one way (the module list in CMakeLists.txt): a module's
# files, its tests included, include the public headers (osgrid/<module>/...)
# of the modules below it only. A front end or a library reaching up -- net
# including a client header, sim the scenario runner -- fails here, and so does
# a quoted path into another module's folder ("../../cli/src/...").
set -euo pipefail
cd "$1"
declare -A allowed=(
  [os]="os"
  [net]="os net"
  [tracker]="os net tracker"
  [peer]="os net grade peer"
  [client]="os net client"
  [sim]="os net client sim"
  [scenario]="os net client sim scenario"
  [viz]="os net client viz"
  [grade]="os grade"
  [cli]="os net client sim scenario viz grade cli"
)
modules="os net tracker grade peer client sim scenario viz cli"
bad=0
for module in $modules; do
  while IFS=: read -r file line text; do
    used=$(sed -E 's|.*#include [<"]osgrid/([a-z_]+)/.*|\1|' <<<"$text")
    if [[ " ${allowed[$module]} " != *" $used "* ]]; then
      echo "$file:$line: $module/ may not include osgrid/$used/ (it may use: ${allowed[$module]})" >&2
      bad=$((bad + 1))
    fi
  done < <(grep -rnE '^\s*#\s*include [<"]osgrid/[a-z_]+/' "$module" --include='*.h' --include='*.cpp' || true)
  while IFS=: read -r file line text; do
    echo "$file:$line: $module/ reaches into another module's folder: $text" >&2
    bad=$((bad + 1))
  done < <(grep -rnE "^\s*#\s*include \"([^\"]*/)?($(tr ' ' '|' <<<"$modules"))/(src|include)/" "$module" \
             --include='*.h' --include='*.cpp' || true)
done
[[ $bad -eq 0 ]] && echo "every module includes only the modules below it"
exit $((bad > 0))
