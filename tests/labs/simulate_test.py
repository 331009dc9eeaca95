#!/usr/bin/env python3
"""Each lab test's reference run, replayed by `osgrid sim`, is the run the grader expects; by ctest.

    simulate_test.py OSGRID LABS_DIR

A test whose reference has a "simulate" command (labs 01-03) gets a trace
for osgrid-viz from `osgrid lab grade --only TEST --explain`: that trace is
only worth opening if the simulator runs exactly what the lab graded. For
the visible tests and the hidden tests of seeds 1 and 2 this runs each
command with --json and compares it with the lab's reference:
  01: the timeline ("idle 0-1, T0 1-2, ...");
  02: every malloc's address and search count, every free's answer, and the
      final free list;
  03: every access's hit or miss and victim; a Belady example's faults
      with m and m + 1 frames.
Then one --explain writes its trace, and `osgrid replay` reads it back.
"""

import json
import pathlib
import shlex
import subprocess
import sys
import tempfile

OSGRID, LABS = sys.argv[1:3]
LABS_WITH_SIMULATE = ["01", "02", "03"]
SEEDS = [1, 2]
failures = []


def fail(message):
    failures.append(message)
    print("FAILED: " + message, file=sys.stderr)


def osgrid(*args, **kwargs):
    return subprocess.run([OSGRID, *args], capture_output=True, text=True, timeout=120, **kwargs)


def simulate(command):
    """The simulator's --json for a "simulate" command (its --trace dropped)."""
    words = shlex.split(command)
    assert words[:2] == ["osgrid", "sim"], command
    at = words.index("--trace")
    del words[at:at + 2]
    run = osgrid(*words[1:], "--json")
    if run.returncode != 0:
        raise RuntimeError(f"{command}: exit {run.returncode}: {run.stderr.strip()}")
    return json.loads(run.stdout)


def timeline(sim):
    return ", ".join(("idle" if s["id"] == "idle" else "T" + s["id"]) + f" {s['start']}-{s['end']}"
                     for s in sim["timeline"])


def heap_ops(test, sim):
    lab = [(step["call"], step["expect"]) for step in test["steps"] if step["call"] != "free_list"]
    ran = [("malloc", [op["returned"], op["searched"]]) if op["op"] == "alloc" else ("free", op["returned"])
           for op in sim["ops"]]
    free_list = [[chunk["addr"], chunk["size"]] for chunk in sim["ops"][-1]["free_list"]]
    return lab == ran and free_list == test["reference"]["final_free_list"], f"{ran} / free list {free_list}"


def accesses(sim):
    return ", ".join(f"{a['page']} " + ("hit" if a["hit"] else "miss") +
                     (f" (evicts {a['evicted']})" if a["evicted"] is not None else "") for a in sim["accesses"])


def agrees(lab, test, sim):
    """(same run?, what the simulator did)."""
    if lab == "01":
        return timeline(sim) == test["reference"]["timeline"], timeline(sim)
    if lab == "02":
        return heap_ops(test, sim)
    if "faults" in test["reference"] and isinstance(test["reference"]["faults"], dict):  # a Belady example
        misses = {str(size["cache_size"]): size["misses"] for size in sim["by_cache_size"]}
        return misses == test["reference"]["faults"], f"misses by frames {misses}"
    return accesses(sim) == test["reference"]["trace"], accesses(sim)


with tempfile.TemporaryDirectory() as scratch:
    for lab in LABS_WITH_SIMULATE:
        files = []
        for seed in [None, *SEEDS]:
            out = pathlib.Path(scratch) / f"{lab}-{seed}"
            extra = [] if seed is None else ["--hidden-seed", str(seed)]
            run = osgrid("lab", "export", lab, "--out", str(out), "--labs-dir", LABS, *extra)
            if run.returncode != 0:
                fail(f"lab {lab} export (seed {seed}): {run.stderr.strip()}")
                continue
            files += list(out.glob("*.json"))
        checked = 0
        for file in files:
            for test in json.loads(file.read_text())["tests"]:
                command = test["reference"].get("simulate")
                if command is None:
                    fail(f"lab {lab} {file.name} '{test['name']}': no simulate command")
                    continue
                try:
                    same, ran = agrees(lab, test, simulate(command))
                except (RuntimeError, KeyError, ValueError) as error:
                    fail(f"lab {lab} '{test['name']}': {error}")
                    continue
                checked += 1
                if not same:
                    fail(f"lab {lab} {file.name} '{test['name']}': {command}\n  the lab: {test['reference']}\n"
                         f"  the simulator: {ran}")
        print(f"lab {lab}: {checked} reference runs replayed by osgrid sim")
        if checked < 20:
            fail(f"lab {lab}: only {checked} tests checked")

    # --explain writes the hidden test's trace; osgrid replay reads it.
    trace = pathlib.Path(scratch) / "explained.trace"
    run = osgrid("lab", "grade", "03", "--reference", "--hidden-seed", "1", "--only", "LRU: hidden 1", "--explain",
                 "--trace", str(trace), "--labs-dir", LABS)
    if run.returncode != 0 or f"events are in {trace}" not in run.stdout:
        fail(f"--explain --trace: exit {run.returncode}: {run.stdout}{run.stderr}")
    else:
        replay = osgrid("replay", str(trace))
        events = [line for line in trace.read_text().splitlines()[1:] if line.strip()]
        if replay.returncode != 0 or not any('"page.fault"' in line for line in events):
            fail(f"the trace of --explain does not replay: {replay.stderr}")
    # Without --explain, --trace is refused and nothing is written.
    run = osgrid("lab", "grade", "03", "--reference", "--hidden-seed", "1", "--trace", str(trace) + ".2",
                 "--labs-dir", LABS)
    if run.returncode != 2 or pathlib.Path(str(trace) + ".2").exists():
        fail(f"--trace without --explain: exit {run.returncode}, {run.stderr}")

if failures:
    sys.exit(f"{len(failures)} failure(s)")
print("every reference run agrees with osgrid sim")
