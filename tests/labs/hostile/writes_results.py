"""Hostile lab 01 submission: writes a perfect results.json wherever it might be read from."""
import glob
import json
import os

FAKE = json.dumps({"score": 100, "tests": [{"name": "everything", "score": 100, "max_score": 100}]})
for path in ["/autograder/results/results.json", "results.json", "../results.json", *glob.glob("/tmp/osgrid-hostile-*/results.json")]:
    try:
        with open(path, "w") as file:
            file.write(FAKE)
        print("wrote", path)
    except OSError as error:
        print("could not write", path, error)


class SJF:
    def admit(self, task):
        pass

    def pick_next(self):
        return 999  # never a ready task

    def ran(self, task, cpu, end):
        pass

    def should_preempt(self, running):
        return False


SRTF = SJF


class RR(SJF):
    def __init__(self, quantum):
        pass
