"""The dining philosophers as cluster tasks (Silberschatz 7.1.3, OSTEP 31.6).

Each philosopher is one task, and the tracker places them across the peers.
The forks are cluster Locks: philosopher i's left fork is fork-i and its
right fork fork-(i+1 mod n). Every philosopher takes its left fork, waits at
a barrier until all have theirs, then reaches for its right fork: the
circular wait of the textbook, every time, whatever the think times.

    dinner(seed=1, table="detect")  ->  {"ate": 0, "starved": 5, "aborted": 0}

Under `osgrid-tracker --deadlock detect` nobody eats: the tracker reports the
5-cycle, and each philosopher gives up after `patience_s`. Under `recover`
the tracker aborts one philosopher (the victim) and the other four eat.
Under `avoid` the Banker's algorithm, given each philosopher's claims (its
two forks), refuses the fork that would make the state unsafe: that
philosopher never reaches the barrier, the others stop waiting for it after
`barrier_s`, and all five eat.
"""
import random
import time

import osgrid


def fork(table, i, n):
    return f"{table}/fork-{i % n}"


def barrier(table, n, timeout_s):
    """The n philosophers meet here: the last to arrive opens the turnstile
    (Downey, The Little Book of Semaphores, 3.6). The count lives in
    osgrid.mem, guarded by a semaphore used as a mutex."""
    mutex = osgrid.Semaphore(f"{table}/barrier-mutex", 1)
    turnstile = osgrid.Semaphore(f"{table}/barrier", 0)
    mutex.wait()
    arrived = osgrid.mem.get(f"{table}/arrived", 0) + 1
    osgrid.mem.set(f"{table}/arrived", arrived)
    mutex.signal()
    if arrived == n:
        turnstile.signal()
    if turnstile.wait(timeout=timeout_s):  # under avoid, one philosopher may never come
        turnstile.signal()


def philosopher(i, n, seed, table, barrier_s, patience_s):
    rng = random.Random(seed * 1000 + i)
    left, right = osgrid.Lock(fork(table, i, n)), osgrid.Lock(fork(table, i + 1, n))
    time.sleep(rng.uniform(0, 0.05))  # think
    left.acquire()
    barrier(table, n, barrier_s)
    if not right.acquire(timeout=patience_s):
        left.release()
        return "starved"
    time.sleep(rng.uniform(0, 0.05))  # eat
    right.release()
    left.release()
    return "ate"


def dinner(seed=1, table="table", n=5, barrier_s=2.0, patience_s=3.0):
    """Seats n philosophers (child tasks, each claiming its two forks) and
    counts how their dinner went."""
    children = [
        osgrid.submit(philosopher, i, n, seed, table, barrier_s, patience_s, name=f"philosopher-{i}",
                      claims={fork(table, i, n): 1, fork(table, i + 1, n): 1})
        for i in range(n)
    ]
    counts = {"ate": 0, "starved": 0, "aborted": 0}
    for child in children:
        try:
            counts[osgrid.wait(child)] += 1
        except osgrid.Error as error:
            if error.code != "ABORTED":
                raise
            counts["aborted"] += 1
    return counts
