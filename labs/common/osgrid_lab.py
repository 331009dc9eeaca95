"""osgrid labs: what a student's code is handed, and the local test runner.

Students import from here (``from osgrid_lab import Task``); each lab's
``check.py`` calls :func:`main` to run the lab's visible tests with nothing but
Python 3.10 or newer (macOS, Windows, Linux; no osgrid needed).

A test (``tests/visible/*.json``, written by ``osgrid lab export``) is a list of
calls to one object of the student's module, each with the answer the osgrid
os/ reference gave. The runner makes the calls in order and stops at the first
answer that differs: the first place the student's run would leave the
reference's. ``osgrid lab test`` and the Gradescope grader run the same tests
the same way, in a separate sandboxed process, and their verdict is the one that
counts; this runner only helps you get there.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from typing import Any, Callable, Dict, List, Optional

# argparse, importlib.util, pathlib and traceback are imported where the
# runner needs them: the grader's host imports this module for Task, and
# every millisecond of start-up is paid once per test case.


@dataclasses.dataclass
class Task:
    """A task in the ready queue, as a scheduler sees it (lab 1).

    id:      unique, and the last tie-breaker (lower first)
    arrival: when the task entered the system; the tie-breaker before id
    burst:   the length of its next CPU burst (SJF), or what is left of it
             (SRTF, and the task passed to should_preempt)
    priority: lower number = more urgent (not used by SJF, SRTF or RR)
    """

    id: int
    arrival: int = 0
    burst: int = 0
    priority: int = 0


# Why a task left the CPU (the `end` argument of Policy.ran).
SLICE_EXPIRED = "slice_expired"  # its time slice ran out; it is admitted again
PREEMPTED = "preempted"  # a more urgent task took the CPU; admitted again
BLOCKED = "blocked"  # its CPU burst ended and it does I/O; admitted when ready
FINISHED = "finished"  # its last CPU burst ended; it leaves

TYPES = {"Task": Task}


def decode(value: Any) -> Any:
    """JSON from a test -> Python: {"__type__": "Task", ...} becomes a Task."""
    if isinstance(value, list):
        return [decode(item) for item in value]
    if isinstance(value, dict):
        kind = value.get("__type__")
        if kind in TYPES:
            fields = {k: v for k, v in value.items() if k != "__type__"}
            return TYPES[kind](**fields)
        return {k: decode(v) for k, v in value.items()}
    return value


def encode(value: Any) -> Any:
    """A student's answer -> JSON. Raises TypeError for what JSON cannot hold."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, (list, tuple)):
        return [encode(item) for item in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise TypeError("a dict in an answer must have str keys")
        return {key: encode(item) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"__type__": type(value).__name__, **fields}
    raise TypeError(f"an answer of type {type(value).__name__} cannot be graded "
                    "(use int, bool, str, None, list, tuple or dict)")


def show(value: Any) -> str:
    """A short, readable form of a JSON value for messages."""
    if isinstance(value, dict) and value.get("__type__") == "Task":
        return f"task {value.get('id')}"
    text = json.dumps(value, separators=(", ", ": "))
    return text if len(text) <= 200 else text[:197] + "..."


# ---- Checkers: how an answer is compared with the reference's -------------

Checker = Callable[[dict, int, Any], Optional[str]]


def same(a: Any, b: Any) -> bool:
    """JSON equality, as the grader's: True is not 1, and [1] is not (1,) only in Python."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def check_equal(step: dict, got: Any) -> Optional[str]:
    if same(got, step["expect"]):
        return None
    return f"expected {show(step['expect'])}, got {show(got)}"


def task_id(value: Any) -> Any:
    """A task named by id or as a Task: its id."""
    if isinstance(value, dict) and value.get("__type__") == "Task":
        return value.get("id")
    return value


def check_task(step: dict, got: Any) -> Optional[str]:
    """pick_next: the same task (returned as a Task or by id), or None for both."""
    if task_id(got) == task_id(step["expect"]) and (got is None) == (step["expect"] is None):
        return None

    def name(value: Any) -> str:
        return "None" if value is None else f"task {task_id(value)}"

    return f"expected {name(step['expect'])}, got {name(got)}"


CHECKS: Dict[str, Callable[[dict, Any], Optional[str]]] = {"equal": check_equal, "task": check_task}


# ---- The runner ----------------------------------------------------------


def load_module(directory, module_file: str):
    """Imports the student's module afresh (each test starts from a clean module)."""
    import importlib.util

    path = directory / module_file
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: put your {module_file} there, or pass its folder")
    name = path.stem
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def student_frame(error: BaseException, module_file: str) -> str:
    """'policy.py line 12' for the deepest frame in the student's file, or ''."""
    import pathlib
    import traceback

    where = ""
    for frame in traceback.extract_tb(error.__traceback__):
        if pathlib.Path(frame.filename).name == module_file:
            where = f"{module_file} line {frame.lineno}"
    return where


def run_case(case: dict, directory, module_file: str, checks: Dict[str, Any]) -> List[str]:
    """Runs one test; returns the lines to print (empty when it passed)."""
    try:
        module = load_module(directory, module_file)
    except SyntaxError as error:
        return [f"syntax error in {module_file} line {error.lineno}: {error.msg}"]
    except Exception as error:  # noqa: BLE001 - anything the student's import raises
        return [f"importing {module_file} raised {type(error).__name__}: {error}"]
    target = getattr(module, case["target"], None)
    if target is None:
        return [f"{module_file} has no {case['target']}"]
    subject = target
    try:
        if case.get("init") is not None:
            subject = target(**case["init"])
    except Exception as error:  # noqa: BLE001
        return [f"{case['target']}(**{case['init']}) raised {type(error).__name__}: {error}"]
    for index, step in enumerate(case["steps"]):
        call = step["call"]
        function = subject if case.get("init") is None and call == case["target"] else getattr(subject, call, None)
        if case.get("init") is None and call != case["target"]:
            function = getattr(module, call, None)
        where = f" at {step['where']}" if step.get("where") else ""
        if function is None:
            return [f"step {index + 1}{where}: {case['target']} has no method {call}"]
        args = decode(step["args"])
        try:
            got = encode(function(*args))
        except Exception as error:  # noqa: BLE001
            place = student_frame(error, module_file)
            return [f"step {index + 1}{where}: {call}({', '.join(show(a) for a in step['args'])}) raised "
                    f"{type(error).__name__}: {error}" + (f" ({place})" if place else "")]
        if "expect" not in step:
            continue
        problem = checks[step.get("check", "equal")](step, got)
        if problem:
            lines = [f"step {index + 1} of {len(case['steps'])}{where}: "
                     f"{call}({', '.join(show(a) for a in step['args'])}): {problem}"]
            if step.get("context"):
                lines.append("at that point: " + json.dumps(step["context"]))
            if case.get("reference"):
                lines.append("the reference run: " + json.dumps(case["reference"]))
            return lines
    return []


def main(lab_dir: str, module_file: str, extra_checks: Optional[Dict[str, Any]] = None) -> int:
    """check.py's entry point: runs tests/visible/*.json against DIR/module_file."""
    import argparse
    import pathlib

    lab = pathlib.Path(lab_dir).resolve()
    parser = argparse.ArgumentParser(description=f"Run {lab.name}'s visible tests against your {module_file}.")
    parser.add_argument("dir", nargs="?", default=str(lab / "starter"),
                        help=f"the folder holding your {module_file} (default: starter/)")
    parser.add_argument("-k", metavar="TEXT", default="", help="only the tests whose name contains TEXT")
    options = parser.parse_args()
    directory = pathlib.Path(options.dir).resolve()
    sys.path.insert(0, str(directory))
    checks = dict(CHECKS, **(extra_checks or {}))
    cases = []
    for path in sorted((lab / "tests" / "visible").glob("*.json")):
        cases.extend(json.loads(path.read_text())["tests"])
    passed = 0
    selected = [case for case in cases if options.k in case["name"]]
    for case in selected:
        problems = run_case(case, directory, module_file, checks)
        if problems:
            print(f"FAIL  {case['name']}  ({case.get('about', '')})")
            for line in problems:
                print(f"      {line}")
        else:
            passed += 1
            print(f"ok    {case['name']}")
    print(f"\n{passed} of {len(selected)} visible tests passed.")
    return 0 if passed == len(selected) else 1
