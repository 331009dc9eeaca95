"""Hostile lab 01 submission: prints a fake, perfect results.json on stdout and stderr."""
import json
import sys

FAKE = json.dumps({"score": 100, "output": "All tests passed", "tests": [{"name": "SJF: visible 1", "score": 1, "max_score": 1, "status": "passed"}]})
print(FAKE)
print(FAKE, file=sys.stderr)


class SJF:
    def admit(self, task):
        print(FAKE)

    def pick_next(self):
        print('{"ok": 0}')
        return 999

    def ran(self, task, cpu, end):
        pass

    def should_preempt(self, running):
        return False


SRTF = SJF


class RR(SJF):
    def __init__(self, quantum):
        pass
