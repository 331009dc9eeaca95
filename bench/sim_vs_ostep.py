#!/usr/bin/env python3
"""osgrid sim against OSTEP's homework simulators, side by side, same machine, same run.

Usage:
  bench/sim_vs_ostep.py OSTEP_DIR [--runs 5] [--only NAME[,NAME...]] [--osgrid build/bin/osgrid]

OSTEP_DIR is a checkout of remzi-arpacidusseau/ostep-homework (its code is
never copied into this repository). Each workload is run --runs times by
osgrid (text, then --json) and by OSTEP's simulator on the same input, output
to /dev/null; the table gives medians of the wall time, the time per reported
step (a line of the trace: a time slice, an allocation, a page reference...),
the output rate, the peak resident memory of one run, and the ratio of the
medians. Workloads without an OSTEP simulator (deadlock, sync) report
osgrid's figures only.

Inputs are made here from a fixed seed, so every run of the benchmark
measures the same work.
"""
import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def numbers(count, low, high, seed):
    rng = random.Random(seed)
    return ",".join(str(rng.randint(low, high)) for _ in range(count))


def banker_state(processes, resources, seed):
    """A safe Banker's state: Max, Allocation <= Max and Available, as -M/-A/-a."""
    rng = random.Random(seed)
    maximum = [[rng.randint(1, 9) for _ in range(resources)] for _ in range(processes)]
    allocation = [[rng.randint(0, m) for m in row] for row in maximum]
    available = [9] * resources  # the largest need: every order is safe, the algorithm still checks each
    rows = lambda matrix: ";".join(",".join(map(str, row)) for row in matrix)
    return ["-a", ",".join(map(str, available)), "-M", rows(maximum), "-A", rows(allocation)]


def sync_script(path):
    """A producer-consumer script that runs until the step limit."""
    with open(path, "w") as f:
        f.write(
            "name: bounded buffer, forever\n"
            "semaphores: {mutex: 1, empty: 8, full: 0}\n"
            "processes:\n"
            "  producer: [{repeat: forever, do: [compute, P empty, P mutex, inc items, V mutex, V full]}]\n"
            "  consumer: [{repeat: forever, do: [P full, P mutex, dec items, V mutex, V empty, compute 2]}]\n"
        )
    return path


def workloads(scratch):
    """(name, osgrid sim args, OSTEP script or None, its args, regex of one reported step).

    A regex with a group named "steps" counts the steps that group's number says (once), not the lines it
    matches.
    """
    fifo = numbers(25_000, 1, 100, 1)
    rr = numbers(10_000, 1, 100, 2)
    disk = numbers(25_000, 0, 35, 3)
    return [
        ("sched FIFO, 25,000 jobs", ["sched", "-p", "FIFO", "-l", fifo, "-c"],
         "cpu-sched/scheduler.py", ["-p", "FIFO", "-l", fifo, "-c"], r"^  \[ time"),
        ("sched RR q=1, 10,000 jobs", ["sched", "-p", "RR", "-q", "1", "-l", rr, "-c"],
         "cpu-sched/scheduler.py", ["-p", "RR", "-q", "1", "-l", rr, "-c"], r"^  \[ time"),
        ("mlfq, 500 jobs, 507,081 ticks", ["mlfq", "-j", "500", "-m", "1000", "-B", "200", "-c"],
         "cpu-sched-mlfq/mlfq.py", ["-j", "500", "-m", "1000", "-B", "200", "-c"], r"^\[ time"),
        ("mem BEST, 25,000 ops", ["mem", "-n", "25000", "-S", "100000", "-r", "100", "-p", "BEST", "-c"],
         "vm-freespace/malloc.py", ["-n", "25000", "-S", "100000", "-r", "100", "-p", "BEST", "-c"],
         r"^(?:ptr\[\d+\] = Alloc|Free\()"),
        ("page LRU, 25,000 references", ["page", "-n", "25000", "-m", "1000", "-C", "100", "-p", "LRU", "-c"],
         "vm-beyondphys-policy/paging-policy.py", ["-n", "25000", "-m", "1000", "-C", "100", "-p", "LRU", "-c"],
         r"^Access: "),
        ("page CLOCK, 25,000 references", ["page", "-n", "25000", "-m", "1000", "-C", "100", "-p", "CLOCK", "-c"],
         "vm-beyondphys-policy/paging-policy.py",
         ["-n", "25000", "-m", "1000", "-C", "100", "-p", "CLOCK", "-c"], r"^Access: "),
        ("proc, 2,500 actions", ["proc", "-s", "0", "-a", "2500", "-c"],
         "cpu-api/fork.py", ["-s", "0", "-a", "2500", "-c"], r"^Action: "),
        ("disk FIFO, 25,000 requests", ["disk", "-p", "FCFS", "-n", "36", "-H", "0", "-r", disk, "-c"],
         "file-disks/disk.py", ["-p", "FIFO", "-a", disk, "-c"], r"^  \d+ "),
        ("deadlock Banker's, 2,000 processes x 10", ["deadlock"] + banker_state(2_000, 10, 4) + ["-c"],
         None, [], r"^  P\d+ "),
        # The text shows the first 300 steps of the trace (--json has them all): the steps of the run are
        # read from its "Final state at t=N" line.
        ("sync, 100,000 steps", ["sync", "-f", sync_script(os.path.join(scratch, "forever.yaml")),
                                 "--max-steps", "100000", "-c"], None, [], r"^Final state at t=(?P<steps>\d+):"),
        ("sync, 1,000,000 steps", ["sync", "-f", sync_script(os.path.join(scratch, "forever.yaml")),
                                   "--max-steps", "1000000", "-c"], None, [], r"^Final state at t=(?P<steps>\d+):"),
    ]


def run_once(argv):
    """Wall seconds of one run, output to /dev/null, timed from spawning it to reaping it."""
    with open(os.devnull, "wb") as devnull:
        start = time.perf_counter()
        result = subprocess.run(argv, stdout=devnull, stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"sim_vs_ostep: {' '.join(argv[:4])} ... failed: {result.stderr.decode()[:300]}")
    return elapsed


def peak_rss_kib(argv):
    """Peak RSS (KiB) of one run, from GNU time, in a run of its own.

    A child forked from this Python would carry Python's own RSS into
    ru_maxrss; time's is ~2 MB, below what is measured. It is not the timed
    run, so that starting time(1) is not counted in the times.
    """
    with open(os.devnull, "wb") as devnull, tempfile.NamedTemporaryFile("r") as rss:
        result = subprocess.run(["/usr/bin/time", "-o", rss.name, "-f", "%M"] + argv, stdout=devnull,
                                stderr=subprocess.PIPE)
        if result.returncode != 0:
            sys.exit(f"sim_vs_ostep: {' '.join(argv[:4])} ... failed: {result.stderr.decode()[:300]}")
        return int(rss.read().split()[-1])


def measure(argv, runs):
    """Median wall seconds of `runs` runs, and the peak RSS (KiB) of one more."""
    times = [run_once(argv) for _ in range(runs)]
    return statistics.median(times), peak_rss_kib(argv)


def output_of(argv):
    result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if result.returncode != 0:
        sys.exit(f"sim_vs_ostep: {' '.join(argv[:4])} ... failed: {result.stderr.decode(errors='replace')[:300]}")
    return result.stdout


def row(label, seconds, rss_kib, steps, size, reference=None):
    per_step = seconds * 1e9 / steps if steps else float("nan")
    ratio = f"{reference / seconds:8.1f}x" if reference else "        -"
    print(f"  {label:<22} {seconds * 1000:10.1f} ms {per_step:10.0f} ns {size / seconds / 1e6:9.1f} MB/s "
          f"{rss_kib / 1024:8.1f} MiB {ratio}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("ostep_dir", help="a checkout of remzi-arpacidusseau/ostep-homework")
    parser.add_argument("--runs", type=int, default=5, help="runs per program and mode (default 5)")
    parser.add_argument("--only", default="", help="comma-separated prefixes of workload names")
    parser.add_argument("--osgrid", default=os.path.join(ROOT, "build", "bin", "osgrid"))
    parser.add_argument("--python", default="/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable,
                        help="the interpreter that runs OSTEP's scripts (default: Debian's /usr/bin/python3; a "
                        "pyenv shim or another build can be several times slower or faster)")
    options = parser.parse_args()
    python = options.python
    version = subprocess.run([python, "--version"], stdout=subprocess.PIPE, text=True).stdout.strip()
    print(f"osgrid sim vs OSTEP: medians of {options.runs} runs, output to /dev/null "
          f"(ratio = OSTEP's median / osgrid's); OSTEP's scripts run on {python} ({version})")
    start, _ = measure([options.osgrid, "sim", "sched", "-l", "5", "-c", "--ostep"], max(options.runs, 20))
    print(f"osgrid's process start (sim sched -l 5 -c, median of {max(options.runs, 20)}): {start * 1000:.1f} ms, "
          "included in every osgrid figure below")
    print(f"  {'':<22} {'wall':>13} {'per step':>13} {'output':>14} {'peak RSS':>12} {'vs OSTEP':>9}")
    with tempfile.TemporaryDirectory() as scratch:
        for name, args, script, ostep_args, step in workloads(scratch):
            if options.only and not any(name.startswith(p) for p in options.only.split(",")):
                continue
            ours = [options.osgrid, "sim"] + args
            identical = script and not name.startswith("disk")  # disk.py models another disk: same input only
            text = output_of(ours + ["--ostep"] if identical else ours)
            lines = text.decode(errors="replace").split("\n")
            if "steps" in re.compile(step).groupindex:
                steps = next(int(m["steps"]) for m in map(lambda line: re.match(step, line), lines) if m)
            else:
                steps = sum(1 for line in lines if re.match(step, line))
            print(f"{name}: {steps:,} steps")
            reference = None
            if script:
                theirs = [python, os.path.join(options.ostep_dir, script)] + ostep_args
                size = len(output_of(theirs))
                reference, rss = measure(theirs, options.runs)
                row("OSTEP " + os.path.basename(script), reference, rss, steps, size)
            # Where osgrid prints the simulator's output byte for byte, --ostep leaves out what osgrid adds
            # after it, so that both print the same bytes.
            for label, argv in (("osgrid text", ours + ["--ostep"] if identical else ours),
                                ("osgrid --json", ours + ["--json"])):
                size = len(output_of(argv))
                seconds, rss = measure(argv, options.runs)
                row(label, seconds, rss, steps, size, reference)
            sys.stdout.flush()


if __name__ == "__main__":
    main()
