#!/usr/bin/env bash
# setup.sh of an osgrid Gradescope bundle (made by `osgrid lab pack`; labs/README.md, "Gradescope").
#
# Gradescope runs it once, as root, when it builds the autograder's image,
# after unpacking the bundle into /autograder/source. The grader in the bundle
# (osgrid-grade) is a static executable: all it needs from the image is
# python3 >= 3.10, which runs the students' code. It is installed with apt-get
# only when missing (Gradescope's Ubuntu 22.04 image has Python 3.10).
# A live lab's bundle (lab 05) carries runtime/ instead: osgrid, the
# cluster's programs, every library they load (down to the C library) and
# Python 3.11 for the tasks. It is installed at /usr/local/osgrid-lab, the path its
# programs' loader was set to, readable by all: students' tasks run as other
# users and load Python's standard library from there.
# AUTOGRADER_ROOT (default /autograder) lets osgrid's own tests run this in a
# scratch folder.
set -euo pipefail
source_dir="${AUTOGRADER_ROOT:-/autograder}/source"
grader="@GRADER@"    # the bundle's osgrid-grade, or a live lab's osgrid in its runtime
runtime="@RUNTIME@"  # a live lab's runtime: where it goes ("" for the other labs)

# The python3 the grader runs: the first of these that exists (grade/src/student_process.cpp).
grader_python() {
  local candidate
  for candidate in /usr/local/bin/python3 /usr/bin/python3 /bin/python3; do
    if [[ -x "$candidate" ]]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

python_ok() {
  local python
  python=$(grader_python) && "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))'
}

if ! python_ok; then
  echo "setup.sh: no python3 >= 3.10 found: installing python3 with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends python3
  if ! python_ok; then
    echo "setup.sh: python3 >= 3.10 is still missing; the grader cannot run students' code" >&2
    exit 1
  fi
fi
python=$(grader_python)
if [[ -z "$runtime" ]]; then
  echo "setup.sh: students' code will run in $python ($("$python" --version 2>&1))"
else
  echo "setup.sh: students' code will run in the runtime's Python 3.11; $python ($("$python" --version 2>&1)) checks results"
fi

if [[ -n "$runtime" ]]; then
  echo "setup.sh: installing the runtime (osgrid's programs, their libraries, Python 3.11) in $runtime"
  rm -rf "$runtime"
  mkdir -p "$(dirname "$runtime")"
  cp -R "$source_dir/runtime" "$runtime"
  chown -R 0:0 "$runtime"
  chmod -R u+rwX,go+rX,go-w "$runtime"
fi

# The hidden seed and the grader are root's alone: students' code runs as
# another user, which must not read the seed (it draws the hidden tests).
chmod 700 "$source_dir"
chmod 600 "$source_dir/seed"
if [[ -f "$source_dir/osgrid-grade" ]]; then chmod 700 "$source_dir/osgrid-grade"; fi
chmod 755 "$source_dir/run_autograder"

echo "setup.sh: the bundle's VERSION:"
sed 's/^/  /' "$source_dir/VERSION"
echo "setup.sh: $grader --version:"
"$grader" --version | sed 's/^/  /'
