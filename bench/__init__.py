"""Highland's benchmarks, run by `make bench` (bench/run.sh); results in docs/benchmarks.md."""
