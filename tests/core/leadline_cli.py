"""Running the `leadline` console script in a child process, as an operator would, against a
throwaway SQLite database in a temporary data directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# Variables that would point a child at a shared database, cache or mail server.
SERVICE_VARIABLES = ("DATABASE_URL", "REDIS_URL", "EMAIL_URL", "LEADLINE_TASKS", "LEADLINE_SECRET_KEY")


def leadline_executable() -> list[str]:
    script = Path(sys.executable).with_name("leadline")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "leadline.cli"]


def child_environment(data_dir: Path, **overrides: str) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if key not in SERVICE_VARIABLES}
    environment.pop("LEADLINE_TESTING", None)
    environment.update(
        {
            "LEADLINE_DATA_DIR": str(data_dir),
            "DJANGO_SETTINGS_MODULE": "leadline.settings",
            "PYTHONUNBUFFERED": "1",
            "LEADLINE_LOG_LEVEL": "warning",
        }
    )
    environment.update(overrides)
    return environment


def run_leadline(
    data_dir: Path, *arguments: str, timeout: float = 120, **overrides: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*leadline_executable(), *arguments],
        env=child_environment(data_dir, **overrides),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )
