"""Stages the runtime of a live lab's Gradescope bundle (`osgrid lab pack 05`).

A live lab is graded on a real cluster, so its bundle carries osgrid itself:
the `osgrid` front end (the grader and its live runner), osgrid-tracker,
osgrid-peer and osgrid-task (the peer's task runner, with CPython 3.11 in it).
Gradescope's image is Ubuntu 22.04, with another C library, another libstdc++
and Python 3.10, so the runtime brings every library these programs load,
down to the C library and its loader, and the standard library of the Python
tasks run in. Only the kernel comes from the image.

    OUT/bin/osgrid, osgrid-tracker, osgrid-peer, osgrid-task   (stripped)
    OUT/lib/osgrid/*.so*, ld-linux-x86-64.so.2                 (what ldd lists)
    OUT/lib/osgrid/python/lib/python3.11/                      (osgrid-task --python)

Each program is patched (patchelf) to start through the runtime's own loader,
PREFIX/lib/osgrid/ld-linux-x86-64.so.2, and to find its libraries in
$ORIGIN/../lib/osgrid (DT_RPATH, which also serves the libraries of Python's
extension modules, loaded later). So the runtime works once it is copied to
PREFIX, which is what the bundle's setup.sh does; osgrid-task finds the Python
at ../lib/osgrid/python by itself (peer/src/python_runner.h, FindPythonHome).

Usage: python3 pack_runtime.py BIN_DIR OUT_DIR PREFIX
Needs ldd (libc-bin), strip (binutils) and patchelf (Debian's patchelf).
Exit status 0, or 1 with the reason on stderr.
"""
import json
import os
import re
import shutil
import subprocess
import sys

PROGRAMS = ["osgrid", "osgrid-tracker", "osgrid-peer", "osgrid-task"]
LOADER = "ld-linux-x86-64.so.2"
# Parts of the standard library no task or grader uses: tests, GUIs, installers.
STDLIB_LEFT_OUT = {"test", "idlelib", "tkinter", "turtledemo", "ensurepip", "lib2to3", "site-packages",
                   "dist-packages", "__pycache__"}
TOOLS = {"ldd": "libc-bin", "strip": "binutils", "patchelf": "patchelf"}


def fail(message):
    print(f"pack_runtime: {message}", file=sys.stderr)
    sys.exit(1)


def run(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        fail(f"{' '.join(command)} failed (status {result.returncode}):\n{result.stderr.strip()}")
    return result.stdout


def libraries_of(path):
    """{soname: file} of everything `path` loads, and its loader's file."""
    found, loader = {}, None
    for line in run(["ldd", path]).splitlines():
        line = line.strip()
        if "=> not found" in line:
            fail(f"{path} needs {line.split()[0]}, which this machine does not have")
        match = re.match(r"(\S+) => (\S+) \(0x", line)
        if match:
            found[match.group(1)] = match.group(2)
        elif re.match(rf"\S*/{re.escape(LOADER)} \(0x", line):
            loader = line.split()[0]
    return found, loader


def copy_stdlib(stdlib, into):
    """The standard library, less STDLIB_LEFT_OUT; lib-dynload (its extension modules) included."""
    def ignore(folder, names):
        left_out = {name for name in names if name in STDLIB_LEFT_OUT or name.startswith("config-")}
        if os.path.basename(folder) == "lib-dynload":
            left_out |= {name for name in names if name.startswith("_tkinter")}
        return left_out
    shutil.copytree(stdlib, into, ignore=ignore, symlinks=False)


def main():
    if len(sys.argv) != 4:
        fail("usage: pack_runtime.py BIN_DIR OUT_DIR PREFIX")
    bin_dir, out, prefix = sys.argv[1:]
    for tool, package in TOOLS.items():
        if shutil.which(tool) is None:
            fail(f"{tool} is missing: apt-get install {package}")
    for program in PROGRAMS:
        if not os.access(os.path.join(bin_dir, program), os.X_OK):
            fail(f"{program} is missing from {bin_dir}: build it (cmake --build build)")
    python = json.loads(run([os.path.join(bin_dir, "osgrid-task"), "--python"]))
    stdlib = python["stdlib"]
    version_folder = os.path.basename(stdlib)  # python3.11

    lib = os.path.join(out, "lib", "osgrid")
    os.makedirs(os.path.join(out, "bin"))
    os.makedirs(lib)
    copy_stdlib(stdlib, os.path.join(lib, "python", "lib", version_folder))

    # Every library: of the programs, and of the extension modules Python may load later.
    needed, loader = {}, None
    modules = os.path.join(stdlib, "lib-dynload")
    objects = [os.path.join(bin_dir, program) for program in PROGRAMS]
    objects += [os.path.join(modules, name) for name in sorted(os.listdir(modules))
                if name.endswith(".so") and not name.startswith("_tkinter")]
    for path in objects:
        found, its_loader = libraries_of(path)
        needed.update(found)
        loader = loader or its_loader
    if loader is None:
        fail(f"ldd names no {LOADER} for the programs: is this an x86-64 build?")
    needed[LOADER] = loader
    for soname, path in sorted(needed.items()):
        shutil.copy2(os.path.realpath(path), os.path.join(lib, soname))
        os.chmod(os.path.join(lib, soname), 0o755)

    interpreter = os.path.join(prefix, "lib", "osgrid", LOADER)
    for program in PROGRAMS:
        target = os.path.join(out, "bin", program)
        shutil.copy2(os.path.join(bin_dir, program), target)
        run(["strip", "--strip-debug", target])
        run(["patchelf", "--set-interpreter", interpreter, "--force-rpath", "--set-rpath", "$ORIGIN/../lib/osgrid",
             target])
    size = sum(os.path.getsize(os.path.join(folder, name)) for folder, _, names in os.walk(out) for name in names)
    print(f"runtime: {len(PROGRAMS)} programs, {len(needed)} libraries, Python {python['version']}'s standard "
          f"library; {size / 2**20:.1f} MiB; loader {interpreter}")


if __name__ == "__main__":
    main()
