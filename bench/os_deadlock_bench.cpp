// Benchmarks of os/ deadlock at scale; see bench/README.md.
