#!/usr/bin/env python3
"""Hostile submissions (tests/labs/hostile/*.py) graded as lab 01 submissions, by ctest.

    hostile_test.py OSGRID LABS_DIR NAME

Each must get zero on every test, with the reason in the test's output, and
the grader must still write a valid results.json (labs/gradescope/results.schema.json)
that is its own, not the submission's. Run as root (as Gradescope runs the
grader), the student's code runs as another user; the checks that rely on that
(the seed file, /proc/PID/environ) are said to be skipped when not root.
"""

import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

import jsonschema

OSGRID, LABS, NAME = sys.argv[1:4]
HERE = pathlib.Path(__file__).resolve().parent
SCHEMA = json.loads((pathlib.Path(LABS) / "gradescope" / "results.schema.json").read_text())
SEED = "918273645"
# What each hostile submission's affected tests must say (in every failed test's output).
REASON = {
    "writes_results": "picked a task that is not in the ready queue",
    "reads_secrets": "picked a task that is not in the ready queue",
    "loops_forever": ("timed out", "killed by SIGXCPU"),
    "fork_bomb": ("PermissionError", "timed out", "killed by"),  # fork refused; or its threads outlast the limits
    "fake_stdout": "picked a task that is not in the ready queue",
    "monkey_patch": "returned None while tasks were ready",  # its patched channel answers None to everything
}
failures = []


def fail(message):
    failures.append(message)
    print("FAILED: " + message, file=sys.stderr)


# A world-writable folder (as a careless results folder would be), so that
# writes_results can reach results.json there if anything lets it.
scratch = pathlib.Path(tempfile.mkdtemp(prefix="osgrid-hostile-"))
try:
    scratch.chmod(0o777)
    seed_file = scratch / "seed"
    seed_file.write_text(SEED + "\n")
    seed_file.chmod(0o600)
    grader_only = scratch / "grader-only.txt"
    grader_only.write_text("expected answers live here\n")
    grader_only.chmod(0o600)
    submission = scratch / "submission"
    submission.mkdir()
    shutil.copy(HERE / "hostile" / f"{NAME}.py", submission / "policy.py")
    results = scratch / "results.json"

    # The seed on the command line (scrubbed from /proc/PID/cmdline) matters only to the one that looks for it.
    runs = [["--hidden-seed-file", str(seed_file)]] + ([["--hidden-seed", SEED]] if NAME == "reads_secrets" else [])
    for seed_args in runs:
        command = [OSGRID, "lab", "grade", "01", str(submission), "--results", str(results), "--labs-dir", LABS,
                   *seed_args]
        if NAME == "loops_forever":
            command += ["--timeout", "1000"]  # the CPU limit (2 s) would stop it too, later
        run = subprocess.run(command, capture_output=True, text=True, timeout=600)
        if run.returncode != 0:
            fail(f"{' '.join(command)} exited {run.returncode}: {run.stderr}")
            continue
        data = json.loads(results.read_text())
        try:
            jsonschema.validate(data, SCHEMA)
        except jsonschema.ValidationError as error:
            fail(f"results.json is not valid: {error.message}")
        if data.get("extra_data", {}).get("lab") != "01-cpu-scheduling" or len(data.get("tests", [])) < 10:
            fail(f"results.json is not the grader's: {json.dumps(data)[:300]}")
        if data["score"] != 0:
            fail(f"{NAME} scored {data['score']}, not 0")
        for test in data["tests"]:
            if test["score"] != 0 or test["status"] != "failed":
                fail(f"{NAME}: {test['name']} scored {test['score']}")
            reasons = REASON[NAME] if isinstance(REASON[NAME], tuple) else (REASON[NAME],)
            if not any(reason in test["output"] for reason in reasons):
                fail(f"{NAME}: {test['name']}'s output says none of {reasons}: {test['output'][:400]}")
        text = json.dumps(data)
        if SEED in text:
            where = "the seed file" if "--hidden-seed-file" in seed_args else "the command line"
            if os.geteuid() == 0 or "--hidden-seed-file" not in seed_args:
                fail(f"{NAME}: the hidden seed ({where}) reached the results: the student's code read it")
            else:
                print(f"skipped: not root, so the student's code runs as this user and can read {where}")
        if "expected answers live here" in text and os.geteuid() == 0:
            fail(f"{NAME}: the student's code read a grader-only file")
        print(f"{NAME} ({' '.join(seed_args[:1])}): {data['score']} of {sum(t['max_score'] for t in data['tests'])}; "
              f"first test says: {data['tests'][0]['output'].splitlines()[-1][:160]}")
    if NAME == "monkey_patch":
        check = subprocess.run([sys.executable, str(pathlib.Path(LABS) / "01-cpu-scheduling" / "check.py"),
                                str(submission)], capture_output=True, text=True, timeout=300)
        print("check.py (in the student's process; only the grader counts):", check.stdout.strip().splitlines()[-1])
finally:
    shutil.rmtree(scratch, ignore_errors=True)
sys.exit(1 if failures else 0)
