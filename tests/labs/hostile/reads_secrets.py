"""Hostile lab 01 submission: looks for the hidden seed and the grader's files, and prints what it finds."""
import glob
import os

found = []
ppid = os.getppid()
for path in [f"/proc/{ppid}/cmdline", f"/proc/{ppid}/environ", *glob.glob("/tmp/osgrid-hostile-*/seed"),
             *glob.glob("/tmp/osgrid-hostile-*/grader-only.txt"), "/autograder/source/seed"]:
    try:
        with open(path, "rb") as file:
            found.append(f"{path}: {file.read()[:300]!r}")
    except OSError as error:
        found.append(f"{path}: refused ({error.strerror})")
try:
    found.append(f"grader memory: {open(f'/proc/{ppid}/mem', 'rb').read(16)!r}")
except OSError as error:
    found.append(f"/proc/{ppid}/mem: refused ({error.strerror})")
print("\n".join(found))


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
