"""CPU time per alert taken in, for working on the ingest path: `python -m benchmarks.ingest_cpu [SECONDS]`.

The same server and load as `benchmarks.ingest` (`hikeshi serve --no-worker` on one core, wrk with 32
connections on the other, one new alert per request), shorter and without Alertmanager or the storm,
and nothing written to docs/benchmarks.md: it prints, per database, the alerts accepted per second and
the server process's CPU time (all its threads, user and system) divided by the alerts it accepted,
and how it splits between the event loop's thread and the others (the group-commit writer). That
figure moves much less than alerts per second when other work shares the machine.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from benchmarks.ingest import CONNECTIONS, _integration
from benchmarks.load import WrkResult, hikeshi_server, run_wrk, wrk_binary
from benchmarks.report import database, database_version, postgres_server_url

WARM_UP_SECONDS = 2


def measure(backend: str, scratch: Path, seconds: float) -> tuple[str, float, float, float]:
    """(database, alerts/s, CPU µs per alert on the event loop, and on the other threads) of one run."""
    with database(backend, scratch, "hikeshi_bench_ingest_cpu") as container:
        _, key = _integration(container)
        version = database_version(container)
        with hikeshi_server(container.settings.database_url, scratch) as server:

            def load(run: str, duration: float) -> WrkResult:
                return run_wrk(
                    f"{server.url}/v2/enqueue",
                    body_format="pagerduty",
                    routing_key=key,
                    run=run,
                    seconds=duration,
                    connections=CONNECTIONS,
                )

            load("warm", WARM_UP_SECONDS)
            pid = server.running.process.pid
            before = _threads_cpu(pid)
            result = load("measured", seconds)
            after = _threads_cpu(pid)
    if not before or not after or not result.accepted:
        raise SystemExit(f"ingest_cpu: nothing measured on {version}")
    used = {tid: after[tid] - before.get(tid, 0.0) for tid in after}
    main_thread = used.pop(pid, 0.0)
    per_alert = 1e6 / result.accepted
    return version, result.accepted_per_second, main_thread * per_alert, sum(used.values()) * per_alert


def _threads_cpu(pid: int) -> dict[int, float]:
    """CPU seconds (user and system) of each thread of the process; empty where /proc is not."""
    ticks = os.sysconf("SC_CLK_TCK")
    found: dict[int, float] = {}
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            fields = (task / "stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[int(task.name)] = (int(fields[11]) + int(fields[12])) / ticks
    return found


def main(arguments: list[str]) -> int:
    if wrk_binary() is None:
        print("ingest_cpu: wrk is not installed", file=sys.stderr)
        return 2
    seconds = float(arguments[0]) if arguments else 10.0
    backends = ["sqlite"] + (["postgresql"] if postgres_server_url() else [])
    with tempfile.TemporaryDirectory(prefix="hikeshi-bench-ingest-cpu-") as scratch:
        for backend in backends:
            version, rate, loop, others = measure(backend, Path(scratch), seconds)
            print(
                f"{version}: {rate:,.0f} alerts/s, {loop + others:.0f} µs CPU per alert "
                f"({loop:.0f} µs on the event loop, {others:.0f} µs on the writer and other threads)",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
