// Benchmarks of os/ mem at scale; see bench/README.md.
