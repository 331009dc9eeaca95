#!/usr/bin/env python3
"""Runs lab 04's visible tests against your banker.py, with nothing but Python 3.10+.

    python3 check.py              # tests starter/banker.py
    python3 check.py path/to/dir  # tests path/to/dir/banker.py
    python3 check.py -k is_safe   # only the tests whose name contains is_safe

The grade comes from `osgrid lab grade` (visible and hidden tests, in a
sandbox); the visible tests here are the same ones. is_safe is checked as the
grader checks it (grade/src/labs/deadlock.cpp): the verdict must be right, and
a safe state's sequence may be ANY safe sequence, not only the one in the test.
"""

import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "common"))

import osgrid_lab  # noqa: E402

DECISIONS = ("granted", "wait", "denied", "exceeds_need")


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def less_equal(x, y):
    return all(a <= b for a, b in zip(x, y))


def where_unsafe(available, maximum, allocation, order):
    """Why `order` (a permutation) is not a safe sequence, or None when it is one."""
    work = list(available)
    for turn, i in enumerate(order, 1):
        need = [m - a for m, a in zip(maximum[i], allocation[i])]
        if not less_equal(need, work):
            return f"P{i} (turn {turn}) needs {tuple(need)} but Work is {tuple(work)}"
        work = [w + a for w, a in zip(work, allocation[i])]
    return None


def check_safe_sequence(step, got):
    """is_safe: (safe, sequence); the verdict is os/'s, the sequence any safe one (empty when unsafe)."""
    available, maximum, allocation = step["args"]
    safe, example = step["expect"]
    expected = f"safe (os/ found {example}; any safe sequence counts)" if safe else "unsafe"
    detail = f"expected {expected}, got {osgrid_lab.show(got)}"
    if not (isinstance(got, list) and len(got) == 2 and isinstance(got[0], bool) and isinstance(got[1], list)):
        return f"the answer is not a (safe, sequence) pair: {detail}"
    if got[0] != safe:
        return f"said {'unsafe for a safe' if safe else 'safe for an unsafe'} state: {detail}"
    if not safe:
        return None if not got[1] else f"an unsafe state has no safe sequence: return (False, []): {detail}"
    n = len(maximum)
    order = got[1]
    if not (all(is_int(i) for i in order) and sorted(order) == list(range(n))):
        return f"the sequence is not a permutation of the processes: {detail}: it must hold each of 0..{n - 1} once"
    problem = where_unsafe(available, maximum, allocation, order)
    return None if problem is None else f"the sequence is not a safe sequence: {detail}: {problem}"


def check_decision(step, got):
    """request_resources: os/'s decision."""
    expect = step["expect"]
    if got == expect:
        return None
    detail = f'expected "{expect}", got {osgrid_lab.show(got)}'
    if not (isinstance(got, str) and got in DECISIONS):
        kind = 'not one of "granted", "wait", "denied", "exceeds_need"'
    elif expect == "exceeds_need":
        kind = "missed a request over the process's remaining need"
    elif got == "exceeds_need":
        kind = "said the request exceeds the need when it does not"
    elif expect == "wait":
        kind = "did not make the process wait although Request > Available"
    elif got == "wait":
        kind = "made the process wait although Request <= Available"
    elif expect == "denied":
        kind = "granted a request that leaves an unsafe state"
    else:
        kind = "denied a request that leaves a safe state"
    return f"{kind}: {detail}"


def check_deadlocked_set(step, got):
    """detect_deadlock: the deadlocked processes, in any order, each once."""
    expect = set(step["expect"])
    detail = f"expected {osgrid_lab.show(step['expect'])}, got {osgrid_lab.show(got)}"
    if not (isinstance(got, list) and all(is_int(i) for i in got)):
        return f"the answer is not a list of process numbers: {detail}"
    said = set(got)
    if said == expect and len(got) == len(said):
        return None
    allocation = step["args"][1]
    extra, missing = said - expect, expect - said
    if any(0 <= i < len(allocation) and not any(allocation[i]) for i in extra):
        kind = "said a process that holds nothing is deadlocked"
    elif extra and missing:
        kind = "wrong set of deadlocked processes"
    elif extra:
        kind = "found a deadlock where there is none" if not expect else "said a process is deadlocked that can finish"
    elif missing:
        kind = "missed the deadlock" if not said else "missed a deadlocked process"
    else:
        kind = "a process is listed twice"
    return f"{kind}: {detail}"


CHECKS = {
    "safe_sequence": check_safe_sequence,
    "decision": check_decision,
    "deadlocked_set": check_deadlocked_set,
}

if __name__ == "__main__":
    sys.exit(osgrid_lab.main(HERE, "banker.py", extra_checks=CHECKS))
