#!/usr/bin/env python3
"""`osgrid lab pack` (labs/README.md, "Gradescope"), run by ctest as lab_pack: no root, no network.

    lab_pack_test.py OSGRID OSGRID_GRADE LABS_DIR

Packs lab 01 into a scratch zip and checks the bundle: its listing (setup.sh
and run_autograder at the root, executable), VERSION's pins, the seed, a
static osgrid-grade; then unpacks it into a scratch /autograder layout
(AUTOGRADER_ROOT) and runs setup.sh and run_autograder there as Gradescope
would: the reference gets full marks, the starter 0, and a misconfigured
bundle (a VERSION that differs from the grader, no grader, no submission)
still a valid results.json that gives 0. Also: pack refuses without a static
osgrid-grade next to it; lab 05's bundle carries osgrid's runtime, whose
osgrid runs on the bundle's own loader and libraries. Every results.json is validated against
labs/gradescope/results.schema.json. The end-to-end check in a clean Debian
root is scripts/lab-bundle-test (before a release).
"""

import json
import os
import pathlib
import re
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
import zipfile

import jsonschema

OSGRID, GRADER, LABS = sys.argv[1:4]
LABS_DIR = pathlib.Path(LABS)
LAB_DIR = LABS_DIR / "01-cpu-scheduling"
SCHEMA = json.loads((LABS_DIR / "gradescope" / "results.schema.json").read_text())
SEED = "4242"
failures = []


def fail(message):
    failures.append(message)
    print("FAILED: " + message, file=sys.stderr)


def run(command, **kwargs):
    return subprocess.run(command, capture_output=True, text=True, timeout=300, **kwargs)


def interpreter(data):
    """The PT_INTERP path (program interpreter) of 64-bit ELF bytes, or None."""
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        kind, _, offset, _, _, size = struct.unpack_from("<IIQQQQ", data, phoff + i * phentsize)
        if kind == 3:
            return data[offset:offset + size].rstrip(b"\0").decode()
    return None


def is_static(data):
    """Whether ELF bytes have no PT_INTERP program header (statically linked)."""
    return data[:4] == b"\x7fELF" and data[4] == 2 and interpreter(data) is None


def check_zip(bundle):
    version_text = run([OSGRID, "--version"]).stdout.split()[1]  # "osgrid 0.1.0", then each lab's version
    lab_line = run([OSGRID, "lab", "list", "01"]).stdout
    lab_version = re.search(r"\(version (\d+)", lab_line).group(1)
    with zipfile.ZipFile(bundle) as archive:
        infos = {info.filename: info for info in archive.infolist()}
        expected = {"setup.sh", "run_autograder", "osgrid-grade", "VERSION", "seed", "Dockerfile", "README-bundle.md"}
        if (LAB_DIR / "README.md").exists():
            expected.add("README.md")
        if set(infos) != expected:
            fail(f"the bundle holds {sorted(infos)}, expected {sorted(expected)}")
        for name in ("setup.sh", "run_autograder", "osgrid-grade"):
            mode = infos[name].external_attr >> 16 if name in infos else 0
            if not mode & stat.S_IXUSR:
                fail(f"{name} is not executable in the zip (mode {oct(mode)})")
        if "seed" in infos and (infos["seed"].external_attr >> 16) & 0o077:
            fail("the seed is readable by others in the zip")
        pins = dict(line.split("=", 1) for line in archive.read("VERSION").decode().splitlines())
        wanted = {"osgrid_version": version_text, "lab": "01-cpu-scheduling", "lab_version": lab_version}
        if {key: pins.get(key) for key in wanted} != wanted or not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ",
                                                                                 pins.get("packed", "")):
            fail(f"VERSION says {pins}, expected {wanted} and a packed date")
        if archive.read("seed").decode().strip() != SEED:
            fail(f"the seed file holds {archive.read('seed')!r}, not {SEED}")
        if not is_static(archive.read("osgrid-grade")):
            fail("the bundle's osgrid-grade is not statically linked")
        if "FROM gradescope/autograder-base:ubuntu-22.04" not in archive.read("Dockerfile").decode():
            fail("the Dockerfile is not FROM gradescope/autograder-base:ubuntu-22.04")
        if 'hidden_visibility="after_due_date"' not in archive.read("run_autograder").decode():
            fail("run_autograder does not carry --hidden-visibility after_due_date")
        for name in expected - {"osgrid-grade", "README.md"}:
            left = re.findall(r"@[A-Z_]+@", archive.read(name).decode())
            if left:
                fail(f"{name} still has placeholders: {left}")
    print(f"zip: {len(infos)} files, VERSION {pins}, osgrid-grade static")


def unpack(bundle, root):
    """Unzips `bundle` into root/source as Gradescope does (keeping the modes), and makes submission/ and results/."""
    source = root / "source"
    with zipfile.ZipFile(bundle) as archive:
        for info in archive.infolist():
            path = pathlib.Path(archive.extract(info, source))
            path.chmod(info.external_attr >> 16 & 0o777)
    (root / "submission").mkdir()
    (root / "results").mkdir()


def autograde(root, submission, label):
    """Runs run_autograder on `submission` (a file, or None for an empty folder); returns results.json."""
    folder = root / "submission"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    if submission is not None:
        shutil.copy(submission, folder / "policy.py")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    env = dict(os.environ, AUTOGRADER_ROOT=str(root))
    done = run([str(root / "run_autograder")], cwd=root, env=env)
    if done.returncode != 0:
        fail(f"{label}: run_autograder exited {done.returncode}: {done.stdout}{done.stderr}")
    try:
        data = json.loads((root / "results" / "results.json").read_text())
        jsonschema.validate(data, SCHEMA)
    except (OSError, ValueError, jsonschema.ValidationError) as error:
        fail(f"{label}: no valid results.json: {error}\n{done.stdout}{done.stderr}")
        return None, done.stdout
    return data, done.stdout


def check_autograder(bundle, scratch):
    root = scratch / "autograder"
    unpack(bundle, root)
    env = dict(os.environ, AUTOGRADER_ROOT=str(root))
    setup = run(["bash", str(root / "source" / "setup.sh")], env=env)
    if setup.returncode != 0 or "01-cpu-scheduling version" not in setup.stdout:
        fail(f"setup.sh exited {setup.returncode}:\n{setup.stdout}{setup.stderr}")
    for path, mode in ((root / "source", 0o700), (root / "source" / "seed", 0o600)):
        if path.stat().st_mode & 0o777 != mode:
            fail(f"setup.sh left {path.name} with mode {oct(path.stat().st_mode & 0o777)}, not {oct(mode)}")

    data, _ = autograde(root, LAB_DIR / "reference" / "policy.py", "reference")
    if data:
        total = sum(test["max_score"] for test in data["tests"])
        if data["score"] != total or total == 0:
            fail(f"the reference scored {data['score']} of {total} through run_autograder")
        hidden = [test for test in data["tests"] if test["visibility"] != "visible"]
        if not hidden or any(test["visibility"] != "after_due_date" for test in hidden):
            fail("the hidden tests are not after_due_date, as packed")
        print(f"reference: {data['score']} of {total}")
    data, _ = autograde(root, LAB_DIR / "starter" / "policy.py", "starter")
    if data:
        if data["score"] != 0 or not data["tests"]:
            fail(f"the starter scored {data['score']} through run_autograder")
        print(f"starter: {data['score']}")

    def expect_zero(label, why):
        data, stdout = autograde(root, LAB_DIR / "reference" / "policy.py" if label != "no submission" else None, label)
        if data and (data["score"] != 0 or "course staff" not in data.get("output", "")):
            fail(f"{label}: expected 0 and 'course staff', got {data['score']}: {data.get('output')!r}")
        elif data and why not in stdout:
            fail(f"{label}: run_autograder's stdout does not say '{why}':\n{stdout}")
        elif data:
            print(f"{label}: 0, '{data['output'][:70]}...'")

    version = root / "source" / "VERSION"
    pinned = version.read_text()
    version.write_text(re.sub(r"lab_version=\d+", "lab_version=999", pinned))
    expect_zero("VERSION differs from the grader", "but the grader says")
    version.write_text(pinned)
    grader = root / "source" / "osgrid-grade"
    grader.rename(root / "moved")
    expect_zero("no grader", "source/osgrid-grade, is missing")
    (root / "moved").rename(grader)
    shutil.rmtree(root / "submission")
    (root / "submission").write_text("not a folder")  # the grader refuses it (status 2)
    done = run([str(root / "run_autograder")], cwd=root, env=env)
    data = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(data, SCHEMA)
    if done.returncode != 0 or data["score"] != 0 or "exited with status 2" not in data["output"]:
        fail(f"a grader that fails: run_autograder exited {done.returncode}, results {data}")
    else:
        print("grader fails: 0, with its status")
    (root / "submission").unlink()
    (root / "submission").mkdir()


def check_refusals(scratch):
    # The grader must be found next to the running program: a folder with osgrid alone, then with a dynamic one.
    folder = pathlib.Path(tempfile.mkdtemp(dir=pathlib.Path(OSGRID).parent, prefix="pack-test-"))
    try:
        try:
            os.link(OSGRID, folder / "osgrid")
        except OSError:
            shutil.copy2(OSGRID, folder / "osgrid")
        out = scratch / "refused.zip"
        command = [str(folder / "osgrid"), "lab", "pack", "01", "--gradescope", str(out), "--labs-dir", LABS]
        done = run(command)
        if done.returncode != 1 or "there is none next to this program" not in done.stderr:
            fail(f"pack without osgrid-grade: exit {done.returncode}, {done.stderr}")
        os.link(folder / "osgrid", folder / "osgrid-grade")  # the dynamic osgrid, posing as the grader
        done = run(command)
        if done.returncode != 1 or "dynamically linked" not in done.stderr or out.exists():
            fail(f"pack with a dynamic osgrid-grade: exit {done.returncode}, {done.stderr}")
        else:
            print("refused: " + done.stderr.strip()[:110] + "...")
    finally:
        shutil.rmtree(folder)
    for out in (scratch / "bundle.tar", scratch / "no-such-folder" / "bundle.zip"):
        done = run([OSGRID, "lab", "pack", "01", "--gradescope", str(out)])
        if done.returncode != 2 or "BAD_REQUEST" not in done.stderr:
            fail(f"pack --gradescope {out}: exit {done.returncode}, expected 2 (bad usage): {done.stderr}")
    # A live lab (05): osgrid-grade cannot start its cluster, so it refuses and names `osgrid lab pack 05`.
    done = run([GRADER, "lab", "pack", "05", "--gradescope", str(scratch / "live.zip"), "--labs-dir", LABS])
    if (done.returncode != 2 or "osgrid lab pack 05" not in done.stderr or (scratch / "live.zip").exists()):
        fail(f"osgrid-grade lab pack 05: exit {done.returncode}, expected 2 and no zip: {done.stderr}")
    # osgrid-grade packs too (the same command code), with a fresh 63-bit seed when none is given.
    done = run([GRADER, "lab", "pack", "01", "--gradescope", str(scratch / "again.zip"), "--labs-dir", LABS])
    seed = re.search(r"Hidden seed: (\d+) \(new\)", done.stdout)
    if done.returncode != 0 or not seed or int(seed.group(1)) >= 2**63:
        fail(f"osgrid-grade lab pack: exit {done.returncode}, {done.stdout}{done.stderr}")
    else:
        with zipfile.ZipFile(scratch / "again.zip") as archive:
            if archive.read("seed").decode().strip() != seed.group(1):
                fail("the seed printed is not the seed packed")


def check_live_bundle(scratch):
    """`osgrid lab pack 05`: the runtime (osgrid, the cluster's programs, their libraries down to the C library,
    Python 3.11's standard library), with the programs' loader where setup.sh installs it. Grading it end to end
    needs root (that path) and is scripts/lab-bundle-test 05; here the bundled loader runs osgrid from the zip."""
    bundle = scratch / "lab05.zip"
    done = run([OSGRID, "lab", "pack", "05", "--gradescope", str(bundle), "--hidden-seed", SEED, "--labs-dir", LABS])
    if done.returncode != 0:
        fail(f"osgrid lab pack 05: exit {done.returncode}: {done.stdout}{done.stderr}")
        return
    prefix = "/usr/local/osgrid-lab"
    loader = "runtime/lib/osgrid/ld-linux-x86-64.so.2"
    with zipfile.ZipFile(bundle) as archive:
        names = set(archive.namelist())
        wanted = {"setup.sh", "run_autograder", "VERSION", "seed", loader, "runtime/lib/osgrid/libc.so.6",
                  "runtime/lib/osgrid/libstdc++.so.6", "runtime/lib/osgrid/libpython3.11.so.1.0",
                  "runtime/lib/osgrid/python/lib/python3.11/os.py"}
        wanted |= {f"runtime/bin/{name}" for name in ("osgrid", "osgrid-tracker", "osgrid-peer", "osgrid-task")}
        if not wanted <= names or "osgrid-grade" in names:
            fail(f"lab 05's bundle lacks {sorted(wanted - names)} (or carries osgrid-grade)")
            return
        if any(name.startswith("runtime/lib/osgrid/python/lib/python3.11/test/") for name in names):
            fail("lab 05's bundle carries Python's own test suite")
        for name in ("osgrid", "osgrid-task"):
            path = interpreter(archive.read(f"runtime/bin/{name}"))
            if path != f"{prefix}/lib/osgrid/ld-linux-x86-64.so.2":
                fail(f"runtime/bin/{name} starts through {path}, not the runtime's loader under {prefix}")
        if f'grader="{prefix}/bin/osgrid"' not in archive.read("run_autograder").decode():
            fail("lab 05's run_autograder does not grade with the runtime's osgrid")
    unpacked = scratch / "lab05"
    unpack(bundle, unpacked)
    unpacked /= "source"
    lib = unpacked / "runtime" / "lib" / "osgrid"
    versions = run([str(unpacked / loader), "--library-path", str(lib), str(unpacked / "runtime" / "bin" / "osgrid"),
                    "--version"])
    if versions.returncode != 0 or versions.stdout != run([OSGRID, "--version"]).stdout:
        fail(f"the bundle's osgrid, run by its own loader and libraries: exit {versions.returncode}, "
             f"{versions.stdout}{versions.stderr}")
    else:
        print(f"lab 05 bundle: {bundle.stat().st_size // 1024} KiB; its osgrid runs on its own libraries")


with tempfile.TemporaryDirectory() as name:
    scratch = pathlib.Path(name)
    bundle = scratch / "lab01.zip"
    done = run([OSGRID, "lab", "pack", "01", "--gradescope", str(bundle), "--hidden-seed", SEED,
                "--hidden-visibility", "after_due_date", "--labs-dir", LABS])
    print(done.stdout.strip())
    if done.returncode != 0 or f"Hidden seed: {SEED}" not in done.stdout:
        fail(f"osgrid lab pack exited {done.returncode}: {done.stdout}{done.stderr}")
    else:
        check_zip(bundle)
        check_autograder(bundle, scratch)
    check_refusals(scratch)
    check_live_bundle(scratch)

sys.exit(1 if failures else 0)
