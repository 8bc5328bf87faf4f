"""The `hikeshi` command run in the test's own process: the same arguments, exit code, stdout and stderr
as a real process (tests/integration/cli starts real ones), without a second of imports per command."""

from __future__ import annotations

import os
import subprocess

from typer.testing import CliRunner

from hikeshi.cli import app


def run(*args: str, database_url: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    # Like a fresh process: none of the test runner's own HIKESHI_* variables, only the ones given.
    environment: dict[str, str | None] = {name: None for name in os.environ if name.startswith("HIKESHI_")}
    if database_url is not None:
        environment["HIKESHI_DATABASE_URL"] = database_url
    environment.update(env)
    result = CliRunner().invoke(app, list(args), env=environment)
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += f"\n{type(result.exception).__name__}: {result.exception}"  # a traceback in a real process
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, stderr)
