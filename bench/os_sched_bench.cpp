// Benchmarks of os/ sched at scale; see bench/README.md.
