"""Lab 01: CPU scheduling. Write SJF, SRTF and RR (see ../README.md).

The grader plays the scheduler's loop: it admits tasks as they become ready,
asks pick_next() whenever the CPU is free, asks SRTF's should_preempt() when
new tasks arrive, and tells every policy how a task's run ended (ran()). Your
classes only decide. Check your work with:  python3 ../check.py
"""

from osgrid_lab import Task


class Policy:
    """What every policy shares: the default answers. You may keep these."""

    def should_preempt(self, running: Task) -> bool:
        """Whether the running task must give the CPU up now (only SRTF says yes)."""
        return False

    def ran(self, task: Task, cpu: int, end: str) -> None:
        """`task` left the CPU after `cpu` time units; `end` says why
        ("slice_expired", "preempted", "blocked" or "finished")."""


class SJF(Policy):
    """Shortest job first, non-preemptive."""

    def __init__(self):
        pass  # TODO: your ready queue

    def admit(self, task: Task) -> None:
        """`task` joins the ready queue."""
        raise NotImplementedError("SJF.admit")

    def pick_next(self):
        """Remove and return the task to run next (a Task from the ready queue), or None if it is empty."""
        raise NotImplementedError("SJF.pick_next")


class SRTF(Policy):
    """Shortest remaining time first, preemptive."""

    def __init__(self):
        pass  # TODO

    def admit(self, task: Task) -> None:
        raise NotImplementedError("SRTF.admit")

    def pick_next(self):
        raise NotImplementedError("SRTF.pick_next")

    def should_preempt(self, running: Task) -> bool:
        raise NotImplementedError("SRTF.should_preempt")


class RR(Policy):
    """Round robin with a time slice of `quantum` time units."""

    def __init__(self, quantum: int):
        self.quantum = quantum  # TODO: your ready queue

    def admit(self, task: Task) -> None:
        raise NotImplementedError("RR.admit")

    def pick_next(self):
        raise NotImplementedError("RR.pick_next")
