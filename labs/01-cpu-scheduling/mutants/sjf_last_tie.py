"""Mutant: SJF breaks a tie in favour of the task that arrived last."""


from collections import deque

from osgrid_lab import Task


class Policy:
    """What every policy shares: the default answers."""

    def should_preempt(self, running: Task) -> bool:
        return False

    def ran(self, task: Task, cpu: int, end: str) -> None:
        pass


def shortest_first(task: Task):
    """The order of SJF and SRTF: shortest burst, then earlier arrival, then lower id."""
    return (task.burst, task.arrival, task.id)


class SJF(Policy):
    """Shortest job first, non-preemptive (OSTEP 7.4; Silberschatz 5.3.2)."""

    def __init__(self):
        self.ready = []

    def admit(self, task: Task) -> None:
        self.ready.append(task)

    def pick_next(self):
        if not self.ready:
            return None
        task = self.ready[0]
        for other in self.ready:
            if other.burst <= task.burst:  # BUG: <= keeps the LAST of equal bursts
                task = other
        self.ready.remove(task)
        return task


class SRTF(SJF):
    """Shortest remaining time first, preemptive (OSTEP 7.5 "STCF"; Silberschatz 5.3.2)."""

    def should_preempt(self, running: Task) -> bool:
        # running.burst is what is left of the running task's burst. Only a
        # strictly shorter task preempts: on a tie the running task keeps the CPU.
        return any(task.burst < running.burst for task in self.ready)


class RR(Policy):
    """Round robin (OSTEP 7.7; Silberschatz 5.3.3): FIFO order, a slice of `quantum` each."""

    def __init__(self, quantum: int):
        self.quantum = quantum
        self.ready = deque()

    def admit(self, task: Task) -> None:
        self.ready.append(task)  # new arrivals and preempted tasks alike join at the tail

    def pick_next(self):
        return self.ready.popleft() if self.ready else None
