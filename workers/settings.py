"""Where the workers keep their files: one data directory, chosen by the deployment."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DATA_DIR = Path("var/workers")


def data_dir() -> Path:
    """The directory for case numbers, the archive and the outbox (env `EXEMPTION_DATA_DIR`).

    Read on every call, not at import, so that tests and operators can point a running process
    elsewhere without restarting it.
    """
    configured = os.environ.get("EXEMPTION_DATA_DIR", "").strip()
    path = Path(configured) if configured else DEFAULT_DATA_DIR
    path.mkdir(parents=True, exist_ok=True)
    return path
