"""Benchmarks: `make bench` or `python -m benchmarks [NAME ...]`; figures go to docs/benchmarks.md."""
