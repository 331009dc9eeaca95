#!/usr/bin/env python3
"""Writes a lab's mutants/expect.json from what the grader says today.

    tests/labs/record_mutants.py build/bin/osgrid labs 01 [SEED ...]   (default seeds: 1 2)

For lab authors: after adding a mutant or changing the cases, run it, then
READ the diff: each mutant's list must be the tests its bug should fail (a bug
in RR fails RR tests), and every mutant must fail a visible and a hidden test.
The `mutants` ctest then holds the lab to it. A mutant is a patch of the
reference (mutants/NAME.patch, made with `diff -u`); its first line,
"# Mutant of reference/FILE: BUG", says the bug.
"""

import json
import pathlib
import subprocess
import sys
import tempfile

osgrid, labs, lab = sys.argv[1:4]
seeds = [int(seed) for seed in sys.argv[4:]] or [1, 2]
lab_dir = next(pathlib.Path(labs).glob(f"{lab}*"))
module = json.loads(next((lab_dir / "tests" / "visible").glob("*.json")).read_text())["module"]
mutants = {}
with tempfile.TemporaryDirectory() as scratch:
    for path in sorted((lab_dir / "mutants").glob("*.patch")):
        folder = pathlib.Path(scratch) / path.stem
        folder.mkdir()
        subprocess.run(["patch", "--quiet", f"--output={folder / module}", str(lab_dir / "reference" / module),
                        str(path)], check=True)
        bug = path.read_text().splitlines()[0].split(": ", 1)[1].rstrip(".")
        fails = {}
        for seed in seeds:
            run = subprocess.run([osgrid, "lab", "grade", lab, str(folder), "--hidden-seed", str(seed), "--json",
                                  "--labs-dir", labs], capture_output=True, text=True, check=True)
            fails[str(seed)] = [t["name"] for t in json.loads(run.stdout)["tests"] if t["status"] == "failed"]
        mutants[path.name] = {"bug": bug, "fails": fails}
        print(f"{path.name}: " + ", ".join(f"seed {s}: {len(f)} failed" for s, f in fails.items()), file=sys.stderr)
(lab_dir / "mutants" / "expect.json").write_text(json.dumps({"seeds": seeds, "mutants": mutants}, indent=1) + "\n")
