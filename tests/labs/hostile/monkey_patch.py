"""Hostile lab 01 submission: patches the checker so every answer is "right", then answers wrongly.

check.py runs in the student's own process, so this fools check.py: that is why only
the grader's verdict counts, and the grader checks the answers in its own (C++) process.
"""
import json
import os
import sys

import osgrid_lab

osgrid_lab.check_equal = lambda step, got: None
osgrid_lab.check_task = lambda step, got: None
osgrid_lab.CHECKS = {"equal": osgrid_lab.check_equal, "task": osgrid_lab.check_task}
host = sys.modules.get("__main__")
if host is not None and hasattr(host, "send"):
    real_send = host.send
    host.send = lambda message: real_send({"ok": None, "passed": True})  # claim success on the grader's channel


class SJF:
    def admit(self, task):
        pass

    def pick_next(self):
        return 999

    def ran(self, task, cpu, end):
        pass

    def should_preempt(self, running):
        return False


SRTF = SJF


class RR(SJF):
    def __init__(self, quantum):
        pass
