#!/usr/bin/env python3
"""Bad submissions (tests/labs/bad/*.patch: lab 01's or lab 05's reference, broken), graded by ctest.

    bad_input_test.py OSGRID LABS_DIR

Each gets a clear message saying what to fix, and the grader still writes a
valid results.json (labs/gradescope/results.schema.json).
"""

import json
import pathlib
import subprocess
import sys
import tempfile

import jsonschema

OSGRID, LABS = sys.argv[1:3]
HERE = pathlib.Path(__file__).resolve().parent
SCHEMA = json.loads((pathlib.Path(LABS) / "gradescope" / "results.schema.json").read_text())
# (lab, its module, submission) -> (text the top-level output must contain, text some test's output must contain)
CASES = {
    ("01", "policy.py", None): ("the submission has no policy.py", "the submission has no policy.py"),
    ("01", "policy.py", "missing_class.patch"): ("policy.py defines no RR", "policy.py defines no RR"),
    ("01", "policy.py", "wrong_signature.patch"): ("pick_next(now) cannot take 0 argument(s)",
                                                   "cannot take 0 argument(s)"),
    ("01", "policy.py", "syntax_error.patch"): ("syntax error in policy.py line 44", "syntax error in policy.py line 44"),
    ("01", "policy.py", "not_in_queue.patch"): ("points", "picked a task that is not in the ready queue"),
    ("01", "policy.py", "nondeterministic.patch"): ("points", "gave different answers"),
    # Lab 05, graded live: the same problems, said once at the top too.
    ("05", "sync.py", "lab05_syntax_error.patch"): ("syntax error in sync.py line 20", "syntax error in sync.py line 20"),
    ("05", "sync.py", "lab05_missing_class.patch"): ("sync.py defines no ReadersWriters",
                                                     "sync.py defines no ReadersWriters"),
}
failures = []


def fail(message):
    failures.append(message)
    print("FAILED: " + message, file=sys.stderr)


with tempfile.TemporaryDirectory() as scratch:
    for (lab, module, name), (top, test_text) in CASES.items():
        submission = pathlib.Path(scratch) / f"{lab}-{(name or 'empty').removesuffix('.patch')}"
        submission.mkdir()
        if name:  # a patch of the lab's reference
            reference = next(pathlib.Path(LABS).glob(f"{lab}-*")) / "reference" / module
            subprocess.run(["patch", "--quiet", f"--output={submission / module}", str(reference),
                            str(HERE / "bad" / name)], check=True)
        results = submission.parent / f"{submission.name}.json"
        run = subprocess.run([OSGRID, "lab", "grade", lab, str(submission), "--hidden-seed", "5", "--results",
                              str(results), "--labs-dir", LABS], capture_output=True, text=True, timeout=600)
        if run.returncode != 0:
            fail(f"{name}: the grader exited {run.returncode}: {run.stderr}")
            continue
        data = json.loads(results.read_text())
        try:
            jsonschema.validate(data, SCHEMA)
        except jsonschema.ValidationError as error:
            fail(f"{name}: results.json is not valid: {error.message}")
        if top not in data["output"]:
            fail(f"{name}: the top-level output does not say '{top}':\n{data['output']}")
        hits = [test["name"] for test in data["tests"] if test_text in test["output"]]
        if not hits:
            fail(f"{name}: no test's output says '{test_text}'")
        print(f"{name}: {data['score']} points; '{test_text}' in {len(hits)} tests; top: "
              f"{data['output'].strip().splitlines()[-1][:150]}")
sys.exit(1 if failures else 0)
