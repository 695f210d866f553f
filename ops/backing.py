"""Start, stop and fill the local backing services of the production profile.

A thin wrapper over ``scripts/services.sh`` (the one script that installs and runs PostgreSQL,
Redis and the Chroma server) for tests, benchmarks and ``python -m ops.cluster``.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from aisle.settings import REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "services.sh"
APP_PYTHON = REPO_ROOT / ".venv" / "bin" / "python"


@dataclass(frozen=True)
class LocalServices:
    """Where ``scripts/services.sh`` keeps one set of services, and their ports."""

    directory: Path
    pg_port: int = 55432
    redis_port: int = 56379
    chroma_port: int = 58000

    def _env(self) -> dict[str, str]:
        return {**os.environ, "AISLE_SERVICES_DIR": str(self.directory),
                "AISLE_SERVICES_PG_PORT": str(self.pg_port),
                "AISLE_SERVICES_REDIS_PORT": str(self.redis_port),
                "AISLE_SERVICES_CHROMA_PORT": str(self.chroma_port)}

    def run(self, command: str, timeout: float = 600) -> str:
        """Run ``scripts/services.sh COMMAND``; raise with its output when it fails."""
        done = subprocess.run([str(SCRIPT), command], env=self._env(), capture_output=True,
                              text=True, timeout=timeout, cwd=REPO_ROOT)
        if done.returncode != 0:
            raise RuntimeError(f"scripts/services.sh {command} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def start(self) -> dict[str, str]:
        """Start (installing what is missing) and return the production ``AISLE_*`` URLs."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self.directory.chmod(0o755)  # PostgreSQL runs as its own user when we are root
        self.run("start")
        return self.env()

    def env(self) -> dict[str, str]:
        """The ``AISLE_*`` variables that ``scripts/services.sh env`` prints."""
        found: dict[str, str] = {}
        for line in self.run("env").splitlines():
            key, _, value = line.removeprefix("export ").partition("=")
            found[key] = shlex.split(value)[0] if value else ""
        return found

    def stop(self, remove: bool = False) -> None:
        """Stop the services; with ``remove``, delete their folder (data included) too."""
        self.run("stop")
        if remove:
            shutil.rmtree(self.directory, ignore_errors=True)


def load_data(service_env: dict[str, str]) -> None:
    """Import the catalog and the sample orders into the production databases (idempotent)."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), **service_env}
    for module in ("catalog.import_catalog", "commerce.import_sample"):
        done = subprocess.run([str(APP_PYTHON), "-m", module], env=env, capture_output=True,
                              text=True, cwd=REPO_ROOT, timeout=600)
        if done.returncode != 0:
            raise RuntimeError(f"{module} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
