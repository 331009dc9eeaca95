"""Hostile lab 01 submission: forks without end (and tries threads and subprocesses too)."""
import os
import subprocess
import threading

try:
    subprocess.Popen(["sh", "-c", ":(){ :|:& };:"])
except OSError as error:
    print("subprocess refused:", error)
threads = 0
try:
    while True:
        threading.Thread(target=lambda: __import__("time").sleep(30), daemon=True).start()
        threads += 1
except RuntimeError as error:
    print(f"thread {threads} refused:", error)
while True:
    os.fork()
