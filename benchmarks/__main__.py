"""`python -m benchmarks [NAME ...]`: run the named benchmarks (all without names)."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = ("jobs", "email", "campaign", "ingest", "latency", "feed", "status", "memory", "catalog_import")


def main(names: list[str]) -> int:
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark: {', '.join(unknown)} (known: {', '.join(BENCHMARKS)})", file=sys.stderr)
        return 2
    for name in names or BENCHMARKS:
        importlib.import_module(f"benchmarks.{name}").run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
