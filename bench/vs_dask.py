#!/usr/bin/python3
"""osgrid against Dask (issue 16), side by side: same machine, same run, one after the other.

Usage:
  bench/vs-dask [--runs 500] [--warmup 20] [--batch 10000] [--batch-runs 3]
                [--osgrid-bench build/bin/osgrid-bench] [--only osgrid|dask]

  1. osgrid: build/bin/osgrid-bench --peers 3 --cores 1 --json (a tracker and
     3 peers x 1 core on loopback). Round trip: `def main(): return 1` with
     client::Cpu to peer-1, placed by the tracker, back to back, --runs of
     them after --warmup; the confidential (always local) round trip too, for
     reference. Batch: one CPU_BATCH of --batch `def main(i): return i`,
     spread over the 3 peers, --batch-runs times.
  2. Dask: distributed.LocalCluster(n_workers=3, threads_per_worker=1,
     processes=True) from Debian's python3-distributed, and a Client. Round
     trip: client.submit(f, pure=False).result() with `def f(): return 1`,
     back to back, --runs after --warmup. Batch:
     client.gather(client.map(g, range(--batch), pure=False)) with
     `def g(i): return i`, --batch-runs times.

Each side's figures are p50 and p99 of the round trips (ms) and the median
tasks/s of the batches (wall time from sending to having every result). The
table ends with the ratios and issue 16's targets: round-trip p50 <= 1/3 of
Dask's; p99 no worse than Dask's and <= 3x osgrid's own p50; batch throughput
>= 3x Dask's. Quantiles are nearest rank below, as bench/bench_util.h's.

Dask runs on /usr/bin/python3 (apt-get install python3-distributed); the
machine's load average is printed before each side.
"""
import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def percentile(samples, p):
    """The p-quantile (0..1), nearest rank below; 0 when empty (bench_util.h's Percentile)."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    return ordered[int(p * (len(ordered) - 1))]


def load_average():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def run_osgrid(args):
    """Runs osgrid-bench, echoing its report, and returns its --json figures."""
    command = [args.osgrid_bench, "--peers", "3", "--cores", "1", "--runs", str(args.runs), "--warmup",
               str(args.warmup), "--batch", str(args.batch), "--batch-runs", str(args.batch_runs), "--json"]
    print("osgrid (load average %s): %s" % (load_average(), " ".join(command)), flush=True)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    figures = None
    for line in process.stdout:
        if line.startswith("{"):
            figures = json.loads(line)
        else:
            print("  | " + line.rstrip(), flush=True)
    if process.wait() != 0 or figures is None:
        sys.exit("vs_dask: osgrid-bench failed (exit %d)" % process.returncode)
    return {
        "rt_p50": figures["placed_ms"]["p50"],
        "rt_p99": figures["placed_ms"]["p99"],
        "local_p50": figures["confidential_ms"]["p50"],
        "local_p99": figures["confidential_ms"]["p99"],
        "batch": figures["batch"]["tasks_per_s"],
        "batch_median": figures["batch"]["tasks_per_s_median"],
    }


def one():
    return 1


def identity(i):
    return i


def run_dask(args):
    """The same two measurements on Dask's LocalCluster."""
    import dask
    import distributed

    print("\nDask %s, distributed %s (load average %s): LocalCluster(n_workers=3, threads_per_worker=1, "
          "processes=True)" % (dask.__version__, distributed.__version__, load_average()), flush=True)
    with distributed.LocalCluster(n_workers=3, threads_per_worker=1, processes=True) as cluster, \
            distributed.Client(cluster) as client:
        for _ in range(args.warmup):
            client.submit(one, pure=False).result()
        samples = []
        for _ in range(args.runs):
            start = time.perf_counter()
            client.submit(one, pure=False).result()
            samples.append((time.perf_counter() - start) * 1000)
        print("  | trivial task round trip: median %.2f ms, p90 %.2f ms, p99 %.2f ms (%d)" %
              (percentile(samples, 0.5), percentile(samples, 0.9), percentile(samples, 0.99), len(samples)),
              flush=True)
        rates = []
        for _ in range(args.batch_runs):
            start = time.perf_counter()
            results = client.gather(client.map(identity, range(args.batch), pure=False))
            seconds = time.perf_counter() - start
            if results != list(range(args.batch)):
                sys.exit("vs_dask: Dask's batch came back wrong")
            rates.append(args.batch / seconds)
            print("  |   batch of %d in %.2f s" % (args.batch, seconds), flush=True)
        print("  | batch throughput: median %.0f tasks/s over %d batches of %d" %
              (percentile(rates, 0.5), args.batch_runs, args.batch), flush=True)
    return {
        "rt_p50": percentile(samples, 0.5),
        "rt_p99": percentile(samples, 0.99),
        "batch": rates,
        "batch_median": percentile(rates, 0.5),
    }


def verdict(met):
    return "met" if met else "NOT met"


def report(osgrid, dask):
    print("\nside by side (round trips: %d back to back after %d warm-up; batches: median of %d)" %
          (ARGS.runs, ARGS.warmup, ARGS.batch_runs))
    print("  %-44s %12s %12s %10s" % ("figure", "osgrid", "Dask", "osgrid/Dask"))
    rows = [
        ("trivial task round trip p50, ms", osgrid["rt_p50"], dask["rt_p50"]),
        ("trivial task round trip p99, ms", osgrid["rt_p99"], dask["rt_p99"]),
        ("  (osgrid confidential, local) p50, ms", osgrid["local_p50"], dask["rt_p50"]),
        ("  (osgrid confidential, local) p99, ms", osgrid["local_p99"], dask["rt_p99"]),
        ("%d tiny tasks in one batch, tasks/s" % ARGS.batch, osgrid["batch_median"], dask["batch_median"]),
    ]
    for name, ours, theirs in rows:
        print("  %-44s %12.2f %12.2f %10.2f" % (name, ours, theirs, ours / theirs))
    print("  batches, tasks/s: osgrid %s; Dask %s" % (" ".join("%.1f" % r for r in osgrid["batch"]),
                                                       " ".join("%.1f" % r for r in dask["batch"])))
    print("issue 16's targets:")
    p50_ratio = osgrid["rt_p50"] / dask["rt_p50"]
    print("  round-trip p50 <= 1/3 of Dask's:          %.2f x Dask's  -> %s" % (p50_ratio, verdict(p50_ratio <= 1 / 3)))
    p99_vs_dask = osgrid["rt_p99"] <= dask["rt_p99"]
    print("  round-trip p99 <= Dask's p99:             %.2f ms vs %.2f ms  -> %s" %
          (osgrid["rt_p99"], dask["rt_p99"], verdict(p99_vs_dask)))
    p99_vs_own = osgrid["rt_p99"] / osgrid["rt_p50"]
    print("  round-trip p99 <= 3 x osgrid's own p50:   %.1f x  -> %s" % (p99_vs_own, verdict(p99_vs_own <= 3)))
    batch_ratio = osgrid["batch_median"] / dask["batch_median"]
    print("  batch throughput >= 3 x Dask's:           %.2f x  -> %s" % (batch_ratio, verdict(batch_ratio >= 3)))
    print("load average at the end: %s" % load_average())


def main():
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=500, help="round trips timed, back to back")
    parser.add_argument("--warmup", type=int, default=20, help="untimed round trips before them")
    parser.add_argument("--batch", type=int, default=10000, help="tasks in one batch")
    parser.add_argument("--batch-runs", type=int, default=3, help="batches timed")
    parser.add_argument("--osgrid-bench", default=os.path.join(ROOT, "build", "bin", "osgrid-bench"))
    parser.add_argument("--only", choices=["osgrid", "dask"], help="one side only (no ratios)")
    ARGS = parser.parse_args()
    print("vs_dask: %d cores, load average %s, %s" % (os.cpu_count(), load_average(), time.strftime("%Y-%m-%d %H:%M")))
    osgrid = run_osgrid(ARGS) if ARGS.only != "dask" else None
    dask = run_dask(ARGS) if ARGS.only != "osgrid" else None
    if osgrid and dask:
        report(osgrid, dask)


if __name__ == "__main__":  # Dask's workers are spawned processes that import this file
    main()
