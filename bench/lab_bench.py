#!/usr/bin/env python3
"""How long grading one submission takes, per lab (issue 19's goal: under 30 s per lab on 2 cores).

    bench/lab_bench.py [--osgrid build/bin/osgrid] [--runs 5] [--seed 1]

For each lab, grades the reference (every test passes: the longest path, since
hidden tests run twice) and the starter (every test fails at once) --runs
times, and prints the median, min and max wall time of `osgrid lab grade`, the
tests and processes per submission, and the load average, so a figure can be
read against how busy the machine was.
"""

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--osgrid", default=str(ROOT / "build" / "bin" / "osgrid"))
parser.add_argument("--runs", type=int, default=5)
parser.add_argument("--seed", type=int, default=1)
options = parser.parse_args()

labs = [line.split()[0] for line in subprocess.run([options.osgrid, "lab", "list"], capture_output=True, text=True,
                                                    check=True).stdout.splitlines() if line[:2].isdigit()]
print(f"load average before: {os.getloadavg()[0]:.2f}; {os.cpu_count()} cores; {options.runs} runs each")
print(f"{'lab':<22} {'submission':<10} {'tests':>5} {'processes':>9} {'median s':>9} {'min s':>7} {'max s':>7}")
with tempfile.TemporaryDirectory() as scratch:
    results = pathlib.Path(scratch) / "results.json"
    for lab in labs:
        for kind in ("reference", "starter"):
            target = ["--reference"] if kind == "reference" else [str(ROOT / "labs" / lab / "starter")]
            times = []
            for _ in range(options.runs):
                started = time.monotonic()
                subprocess.run([options.osgrid, "lab", "grade", lab, *target, "--hidden-seed", str(options.seed),
                                "--results", str(results)], capture_output=True, check=True)
                times.append(time.monotonic() - started)
            data = json.loads(results.read_text())
            tests = data["tests"]
            hidden_passed = sum(1 for t in tests if "hidden" in t["tags"] and t["status"] == "passed")
            processes = len(tests) + hidden_passed
            print(f"{lab:<22} {kind:<10} {len(tests):>5} {processes:>9} {statistics.median(times):>9.2f} "
                  f"{min(times):>7.2f} {max(times):>7.2f}")
print(f"load average after: {os.getloadavg()[0]:.2f}")
