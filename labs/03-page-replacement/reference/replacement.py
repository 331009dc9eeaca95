"""Lab 03 reference solution: FIFO, LRU and Clock page replacement, and a
search for Belady's anomaly.

For instructors and TAs: `osgrid lab grade 03 --reference` must score 100%.
Do not hand it out. It mirrors os/src/paging/{fifo,lru,clock_hand}.cpp
(Clock = MakeClockHand(frames, clock_bits=1)).
"""

import random
from collections import OrderedDict, deque
from typing import List, Optional, Tuple

Answer = Tuple[bool, Optional[int]]  # (hit, evicted)


class FIFO:
    """First in, first out (OSTEP 22.3; Silberschatz 10.4.2): the victim is
    the page that was loaded first. A hit changes nothing."""

    def __init__(self, frames: int):
        self.frames = frames
        self.queue = deque()  # resident pages, loaded first at the left
        self.resident = set()

    def access(self, page: int) -> Answer:
        if page in self.resident:
            return (True, None)
        evicted = None
        if len(self.queue) == self.frames:
            evicted = self.queue.popleft()
            self.resident.remove(evicted)
        self.queue.append(page)
        self.resident.add(page)
        return (False, evicted)


class LRU:
    """Least recently used (OSTEP 22.5; Silberschatz 10.4.4): the victim is
    the page whose last reference is the oldest. Every reference, hit or
    miss, makes the page the most recently used."""

    def __init__(self, frames: int):
        self.frames = frames
        self.stack = OrderedDict()  # resident pages, least recently used first

    def access(self, page: int) -> Answer:
        if page in self.stack:
            self.stack.move_to_end(page)
            return (True, None)
        evicted = None
        if len(self.stack) == self.frames:
            evicted, _ = self.stack.popitem(last=False)
        self.stack[page] = True
        return (False, evicted)


class Clock:
    """The clock (second-chance) algorithm (OSTEP 22.8; Silberschatz
    10.4.5.2): frames in a circle, a use bit per frame, and a hand."""

    def __init__(self, frames: int):
        self.frames = frames
        self.pages = []  # pages[i] is the page in frame i; frames fill 0, 1, 2, ...
        self.use = []  # use[i] is frame i's use bit (0 or 1)
        self.hand = 0  # the next frame the hand inspects

    def access(self, page: int) -> Answer:
        if page in self.pages:
            self.use[self.pages.index(page)] = 1  # a hit sets the use bit; the hand stays
            return (True, None)
        if len(self.pages) < self.frames:  # a free frame: the lowest-numbered one
            self.pages.append(page)
            self.use.append(1)
            return (False, None)
        while self.use[self.hand] == 1:  # a second chance: clear the bit, move on
            self.use[self.hand] = 0
            self.hand = (self.hand + 1) % self.frames
        evicted = self.pages[self.hand]
        self.pages[self.hand] = page
        self.use[self.hand] = 1
        self.hand = (self.hand + 1) % self.frames  # past the frame just filled
        return (False, evicted)


def count_faults(references: List[int], frames: int) -> int:
    """Page faults of our FIFO with `frames` frames on `references`."""
    fifo = FIFO(frames)
    return sum(1 for page in references if not fifo.access(page)[0])


def find_belady(frames: int) -> List[int]:
    """A reference string on which FIFO with frames + 1 frames faults more
    often than with `frames` frames: a random search, seeded so that every
    run gives the same answer, bounded so that it ends."""
    rng = random.Random(frames)
    pages, length = frames + 3, 8 * frames
    for _ in range(20000):
        references = [rng.randrange(pages) for _ in range(length)]
        if count_faults(references, frames + 1) > count_faults(references, frames):
            return references
    raise RuntimeError(f"no Belady's anomaly found for {frames} frames")
