#!/usr/bin/env python3
"""Runs lab 03's visible tests against your replacement.py, with nothing but Python 3.10+.

    python3 check.py              # tests starter/replacement.py
    python3 check.py path/to/dir  # tests path/to/dir/replacement.py
    python3 check.py -k LRU       # only the tests whose name contains LRU

The grade comes from `osgrid lab grade` (visible and hidden tests, in a
sandbox); the visible tests here are the same ones, checked by the same rules.
"""

import pathlib
import sys
from collections import deque

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "common"))

import osgrid_lab  # noqa: E402

MAX_BELADY_LENGTH = 1000  # the longest reference string find_belady may return


def show_pair(answer):
    """(hit, evicted) as Python prints it: (False, 7)."""
    return f"({answer[0]}, {answer[1]})"


def is_access_pair(answer):
    """(hit, evicted): a bool, and an int or None."""
    return (isinstance(answer, list) and len(answer) == 2 and type(answer[0]) is bool
            and (answer[1] is None or type(answer[1]) is int))


def check_access(step, got):
    """access(page): exactly the reference's (hit, evicted)."""
    want = step["expect"]
    if not is_access_pair(got):
        return (f"expected {show_pair(want)}, got {osgrid_lab.show(got)}: "
                "return a tuple (bool, page or None)")
    if got == want:
        return None
    return f"expected {show_pair(want)}, got {show_pair(got)}"


def fifo_faults(references, frames):
    """Page faults of FIFO with `frames` frames (the grader's own count)."""
    queue = deque()
    faults = 0
    for page in references:
        if page in queue:
            continue
        faults += 1
        if len(queue) == frames:
            queue.popleft()
        queue.append(page)
    return faults


def check_belady(step, got):
    """find_belady(frames): any reference string on which FIFO with frames + 1
    frames faults more often than with frames."""
    frames = step["args"][0]
    if not isinstance(got, list) or not all(type(page) is int and page >= 0 for page in got):
        return f"expected a reference string (a list of page numbers >= 0), got {osgrid_lab.show(got)}"
    if len(got) > MAX_BELADY_LENGTH:
        return f"the reference string has {len(got)} references; at most {MAX_BELADY_LENGTH} are allowed"
    small, large = fifo_faults(got, frames), fifo_faults(got, frames + 1)
    if large > small:
        return None
    return (f"not a Belady's anomaly: FIFO faults {small} times with {frames} frames and "
            f"{large} times with {frames + 1} on {osgrid_lab.show(got)}")


if __name__ == "__main__":
    sys.exit(osgrid_lab.main(HERE, "replacement.py", {"access": check_access, "belady": check_belady}))
