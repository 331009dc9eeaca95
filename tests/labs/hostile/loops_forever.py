"""Hostile lab 01 submission: pick_next never returns."""


class SJF:
    def admit(self, task):
        pass

    def pick_next(self):
        while True:
            pass

    def ran(self, task, cpu, end):
        pass

    def should_preempt(self, running):
        return False


SRTF = SJF


class RR(SJF):
    def __init__(self, quantum):
        pass
