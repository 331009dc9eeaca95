"""The labs' Python in a real CPython 3.10 (run in Pyodide by python310_pyodide.js; see there).

With the labs mounted at /labs, under Python 3.10:
  1. every labs/**/*.py compiles;
  2. each lab's check.py passes its reference, fails its starter cleanly (no
     traceback), and fails exactly the visible tests mutants/expect.json
     names for each mutant (seed 1), as the grader does under 3.11. The
     mutants are patches (mutants/NAME.patch); Pyodide has no `patch`, so the
     caller gives a copy of the labs with each applied as mutants/NAME.py;
  3. labs/common/grader_host.py, the grader's side of the student process,
     answers every step of every visible case for the reference (its fds 3
     and 4 are files here).
A live lab (one with a driver.py: lab 05) gets step 1 only: its check.py
stands threads in for tasks, and Pyodide has no threads; its graded code runs
in the peers' CPython 3.11 (the bundle carries it), never under 3.10.
The last expression is the exit status (0 = all passed).
"""

import contextlib
import io
import json
import os
import pathlib
import runpy
import shutil
import sys
import tempfile
import traceback

LABS = pathlib.Path("/labs")
failures = []
lines = []


def fail(message):
    failures.append(message)
    print("FAILED: " + message)


def forget(module):
    for name in (module, "osgrid_lab"):
        sys.modules.pop(name, None)


def check_py(lab, folder, module):
    """Runs lab/check.py on `folder`; returns (exit status, output, failed test names)."""
    saved_argv, saved_path = sys.argv, list(sys.path)
    sys.argv = [str(lab / "check.py"), str(folder)]
    out = io.StringIO()
    status = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            runpy.run_path(str(lab / "check.py"), run_name="__main__")
        except SystemExit as done:
            status = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        except BaseException:  # noqa: BLE001 - the runner itself broke: report it
            traceback.print_exc()
            status = 99
    sys.argv, sys.path[:] = saved_argv, saved_path
    forget(module.removesuffix(".py"))
    text = out.getvalue()
    failed = {line[6:].split("  (")[0] for line in text.splitlines() if line.startswith("FAIL  ")}
    return status, text, failed


def attach(path, flags, fd):
    """Opens `path` as file descriptor `fd` (the grader gives the host its request on 3, takes answers on 4)."""
    opened = os.open(str(path), flags)
    if opened != fd:  # Emscripten's dup2 onto the same fd closes it: only when they differ
        os.dup2(opened, fd)
        os.close(opened)


def grader_host(lab, module, cases):
    """Runs grader_host.py for each visible case on the reference; returns the number of cases fully answered."""
    answered = 0
    for case in cases:
        with tempfile.TemporaryDirectory() as scratch:
            work = pathlib.Path(scratch)
            shutil.copy(lab / "reference" / module, work / module)
            request = {"module": module, "target": case["target"], "init": case["init"],
                       "steps": [{"call": step["call"], "args": step["args"]} for step in case["steps"]]}
            (work / "request").write_text(json.dumps(request) + "\n")
            attach(work / "request", os.O_RDONLY, 3)
            attach(work / "answers", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 4)
            saved_cwd, saved_path = os.getcwd(), list(sys.path)
            os.chdir(work)
            sys.path.insert(0, str(LABS / "common"))
            host = LABS / "common" / "grader_host.py"
            namespace = {"__name__": "__main__", "__file__": str(host)}
            try:
                exec(compile(host.read_text(), str(host), "exec"), namespace)
            except SystemExit:
                pass
            # Its answers file (fd 4), closed by its object: a stray object would close the next case's fd 4.
            if "replies" in namespace:
                namespace["replies"].close()
            with contextlib.suppress(OSError):
                os.close(3)
            os.chdir(saved_cwd)
            sys.path[:] = saved_path
            forget(module.removesuffix(".py"))
            replies = [json.loads(line) for line in (work / "answers").read_text().splitlines()]
            oks = [reply for reply in replies if "ok" in reply]
            errors = [reply["error"] for reply in replies if "error" in reply]
            if errors or len(oks) != len(case["steps"]):
                fail(f"{lab.name}: grader_host.py on the reference, {case['name']}: {len(oks)} of "
                     f"{len(case['steps'])} steps answered, errors {errors}")
            else:
                answered += 1
    return answered


def main():
    print(f"Python {sys.version.split()[0]}")
    files = sorted(LABS.rglob("*.py"))
    for path in files:
        try:
            compile(path.read_text(), str(path), "exec")
        except SyntaxError as error:
            fail(f"{path}:{error.lineno}: {error.msg}")
    print(f"compiled {len(files)} files")
    for lab in sorted(LABS.glob("[0-9][0-9]-*")):
        visible = json.loads(next((lab / "tests" / "visible").glob("*.json")).read_text())
        module, cases = visible["module"], visible["tests"]
        names = {case["name"] for case in cases}
        if (lab / "driver.py").exists():
            print(f"{lab.name}: compiled only (a live lab: its check.py needs threads, which Pyodide lacks; "
                  f"the grader runs it in the peers' Python 3.11)")
            continue
        before = len(failures)
        status, text, _ = check_py(lab, lab / "reference", module)
        if status != 0:
            fail(f"{lab.name}: check.py on the reference exited {status}:\n{text}")
        status, text, _ = check_py(lab, lab / "starter", module)
        if status != 1 or "Traceback" in text:
            fail(f"{lab.name}: check.py on the starter should fail cleanly, exited {status}:\n{text[-2000:]}")
        expect = json.loads((lab / "mutants" / "expect.json").read_text())["mutants"]
        for name, spec in sorted(expect.items()):
            with tempfile.TemporaryDirectory() as scratch:
                shutil.copy(lab / "mutants" / name.replace(".patch", ".py"), pathlib.Path(scratch) / module)
                status, text, failed = check_py(lab, scratch, module)
            wanted = set(spec["fails"]["1"]) & names
            if status != 1 or failed != wanted or "Traceback" in text:
                fail(f"{lab.name}: check.py on mutant {name}: exit {status}, failed {sorted(failed)}, "
                     f"expected {sorted(wanted)}")
        answered = grader_host(lab, module, cases)
        if len(failures) == before:
            print(f"{lab.name}: check.py: the reference passes, the starter fails cleanly, the {len(expect)} mutants "
                  f"fail as expect.json says; grader_host.py answered all {answered} visible cases")
        else:
            print(f"{lab.name}: {len(failures) - before} FAILED (above)")
    print(f"{len(failures)} failed" if failures else "all passed")
    return 1 if failures else 0


main()
