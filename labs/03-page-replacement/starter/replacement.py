"""Lab 03: page replacement. Write FIFO, LRU and Clock, and find a Belady's
anomaly with your FIFO (see ../README.md).

The grader plays the memory: it makes a fresh object per test, say
FIFO(frames=3), and calls access(page) once for every reference of a
reference string, in order. Each call answers (hit, evicted):

    hit      True if the page was resident (no page fault), else False
    evicted  on a page fault with every frame full, the page you evicted;
             otherwise (a hit, or a fault while a frame is free) None

Check your work with:  python3 ../check.py
"""

from typing import List, Optional, Tuple

Answer = Tuple[bool, Optional[int]]  # (hit, evicted)


class FIFO:
    """First in, first out: evict the page that was loaded first.
    A hit changes nothing."""

    def __init__(self, frames: int):
        self.frames = frames  # TODO: the resident pages, in the order they were loaded

    def access(self, page: int) -> Answer:
        """`page` is referenced: return (hit, evicted)."""
        raise NotImplementedError("FIFO.access")


class LRU:
    """Least recently used: evict the page whose last reference is the
    oldest. Every reference, hit or miss, makes its page the most recently
    used one."""

    def __init__(self, frames: int):
        self.frames = frames  # TODO: the resident pages, by recency

    def access(self, page: int) -> Answer:
        raise NotImplementedError("LRU.access")


class Clock:
    """The clock (second-chance) algorithm: the frames form a circle, each
    with a use bit, and a hand points at the next frame to inspect. The exact
    rules (where the hand starts, when a use bit is set or cleared, how the
    hand moves) are in ../README.md, "Clock, exactly"."""

    def __init__(self, frames: int):
        self.frames = frames  # TODO: the page and use bit of each frame, and the hand

    def access(self, page: int) -> Answer:
        raise NotImplementedError("Clock.access")


def find_belady(frames: int) -> List[int]:
    """Return a reference string (a list of page numbers >= 0, at most 1000
    of them) on which FIFO with frames + 1 frames has MORE page faults than
    FIFO with `frames` frames: Belady's anomaly. Find it with your own FIFO
    class (count the faults of FIFO(frames) and FIFO(frames + 1)). The grader
    asks for frames from 3 to 6; the same call must give the same answer
    every time (seed any random numbers you use)."""
    raise NotImplementedError("find_belady")
