#!/usr/bin/env python3
"""The labs' acceptance tests, run by ctest (tests/labs/CMakeLists.txt).

    lab_suite.py OSGRID LABS_DIR LAB CHECK

CHECK is one of:
  reference  the shipped reference scores 100 % on seeds 1 and 2 (the mutants' seeds)
  starter    the unmodified starter scores 0, and the grader still writes a valid results.json
  mutants    each mutant (LAB/mutants/*.patch, a bug patched into the reference) fails exactly the tests
             mutants/expect.json names, per seed
  visible    tests/visible/*.json is what `osgrid lab export` writes now (regenerate == checked in)
  checkpy    check.py passes the reference and fails the starter, with nothing but Python
Every results.json is validated against labs/gradescope/results.schema.json.
Exit status 0 = passed; 1 = failed, with what differs on stderr.
"""

import concurrent.futures
import json
import pathlib
import subprocess
import sys
import tempfile

import jsonschema

OSGRID, LABS, LAB, CHECK = sys.argv[1:5]
LABS_DIR = pathlib.Path(LABS)
LAB_DIR = next(LABS_DIR.glob(f"{LAB}*"))
SCHEMA = json.loads((LABS_DIR / "gradescope" / "results.schema.json").read_text())
MODULE = json.loads(next((LAB_DIR / "tests" / "visible").glob("*.json")).read_text())["module"]
failures = []


def fail(message):
    failures.append(message)
    print("FAILED: " + message, file=sys.stderr)


def grade(submission, seed, extra=()):
    """Grades `submission` (a folder, or None for --reference); returns results.json, validated."""
    with tempfile.TemporaryDirectory() as scratch:
        results = pathlib.Path(scratch) / "results.json"
        command = [OSGRID, "lab", "grade", LAB, "--hidden-seed", str(seed), "--results", str(results),
                   "--labs-dir", LABS, *extra]
        command += ["--reference"] if submission is None else [str(submission)]
        run = subprocess.run(command, capture_output=True, text=True, timeout=600)
        if run.returncode != 0:
            fail(f"{' '.join(command)} exited {run.returncode}: {run.stderr}")
            return None
        data = json.loads(results.read_text())
    try:
        jsonschema.validate(data, SCHEMA)
    except jsonschema.ValidationError as error:
        fail(f"results.json does not match the schema: {error.message}")
    return data


def as_submission(mutant, scratch):
    """A folder holding the reference with `mutant` (a patch) applied, under the lab's module file name."""
    folder = pathlib.Path(scratch) / mutant.stem
    folder.mkdir()
    subprocess.run(["patch", "--quiet", f"--output={folder / MODULE}", str(LAB_DIR / "reference" / MODULE),
                    str(mutant)], check=True)
    return folder


def check_reference():
    for seed in (1, 2):
        data = grade(None, seed)
        if data is None:
            continue
        total = sum(test["max_score"] for test in data["tests"])
        if data["score"] != total or any(test["status"] != "passed" for test in data["tests"]):
            bad = [test["name"] for test in data["tests"] if test["status"] != "passed"]
            fail(f"seed {seed}: the reference scored {data['score']} of {total}; failed: {bad}")
        else:
            print(f"seed {seed}: reference {data['score']} of {total}, {len(data['tests'])} tests")


def check_starter():
    data = grade(LAB_DIR / "starter", 1)
    if data is None:
        return
    if data["score"] != 0 or any(test["score"] != 0 for test in data["tests"]):
        fail(f"the starter scored {data['score']}, not 0")
    if not data["tests"]:
        fail("no tests in the starter's results")
    print(f"starter: {data['score']} of {sum(t['max_score'] for t in data['tests'])}")


def check_mutants():
    expect = json.loads((LAB_DIR / "mutants" / "expect.json").read_text())
    mutants = expect["mutants"]
    found = sorted(path.name for path in (LAB_DIR / "mutants").glob("*.patch"))
    if sorted(mutants) != found:
        fail(f"mutants/expect.json lists {sorted(mutants)} but mutants/ holds {found}")
    if len(found) < 5:
        fail(f"only {len(found)} mutants: at least 5 are required")
    def check(name, spec, folder, seed):
        data = grade(folder, seed)
        if data is None:
            return
        failed = sorted(test["name"] for test in data["tests"] if test["status"] == "failed")
        wanted = sorted(spec["fails"][str(seed)])
        if failed != wanted:
            fail(f"{name} (seed {seed}, {spec['bug']}): failed {failed}, expected {wanted}")
        elif not failed:
            fail(f"{name} (seed {seed}) fails no test: the cases do not catch it")
        else:
            print(f"{name} seed {seed}: fails {len(failed)} tests, as expected")

    # A live lab's gradings (it has a driver.py: lab 05) mostly wait on real
    # tasks, so three run side by side; the others use every core already.
    workers = 3 if (LAB_DIR / "driver.py").exists() else 1
    with tempfile.TemporaryDirectory() as scratch:
        folders = {name: as_submission(LAB_DIR / "mutants" / name, scratch) for name in mutants}
        runs = [(name, spec, folders[name], seed) for name, spec in sorted(mutants.items()) for seed in expect["seeds"]]
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            for done in [pool.submit(check, *run) for run in runs]:
                done.result()


def check_visible():
    with tempfile.TemporaryDirectory() as scratch:
        run = subprocess.run([OSGRID, "lab", "export", LAB, "--out", scratch, "--labs-dir", LABS],
                             capture_output=True, text=True, timeout=120)
        if run.returncode != 0:
            fail(f"osgrid lab export exited {run.returncode}: {run.stderr}")
            return
        for fresh in pathlib.Path(scratch).glob("*.json"):
            kept = LAB_DIR / "tests" / "visible" / fresh.name
            if not kept.exists() or json.loads(kept.read_text()) != json.loads(fresh.read_text()):
                fail(f"{kept} is not what `osgrid lab export {LAB}` writes now: run it and commit the file")
            else:
                print(f"{kept.name}: up to date")


def check_checkpy():
    def run(folder):
        return subprocess.run([sys.executable, str(LAB_DIR / "check.py"), str(folder)], capture_output=True,
                              text=True, timeout=300)

    reference = run(LAB_DIR / "reference")
    if reference.returncode != 0:
        fail(f"check.py on the reference exited {reference.returncode}:\n{reference.stdout}{reference.stderr}")
    starter = run(LAB_DIR / "starter")
    if starter.returncode != 1 or "Traceback" in starter.stdout + starter.stderr:
        fail(f"check.py on the starter should fail cleanly (exit 1, no traceback):\n{starter.stdout}{starter.stderr}")
    print(reference.stdout.strip().splitlines()[-1] if reference.stdout.strip() else "(no output)")


{"reference": check_reference, "starter": check_starter, "mutants": check_mutants, "visible": check_visible,
 "checkpy": check_checkpy}[CHECK]()
sys.exit(1 if failures else 0)
